// Named records, as the Python kademlia REST gateway offers them: POST and GET /dht/:key.

import { MAX_NAMED_KEY_BYTES, isValidNamed } from '@keymesh/hyperdht'
import type { NamedRecord } from '@keymesh/hyperdht'
import type { Listenable, RequestContext } from '../context.js'
import { GatewayError } from '../errors.js'
import type { Route } from '../router.js'
import { asObject, b64, hex, parseBase64, parseKey, parseSignature, parseUint } from '../codec.js'
import { listenRoutes } from './listenable.js'

function keyOf(ctx: RequestContext): string {
  const key = ctx.param(0)
  if (Buffer.byteLength(key) > MAX_NAMED_KEY_BYTES) {
    throw new GatewayError('GATEWAY_BAD_REQUEST', `key is longer than ${MAX_NAMED_KEY_BYTES} bytes`)
  }
  return key
}

/** A named record in the request shape (what a client POSTs, and GET answers). */
export function namedJson(r: NamedRecord<Uint8Array>): Record<string, unknown> {
  return {
    key: r.key,
    data: b64(r.value),
    seq: r.seq,
    persist_mode: 'SECURED',
    authorization: {
      pub_key: { key: hex(r.publicKey), exp_time: r.expTime },
      sign: b64(r.signature)
    }
  }
}

async function put(ctx: RequestContext): Promise<void> {
  const key = keyOf(ctx)
  const body = await ctx.json()
  const value = parseBase64(body['data'], 'data')
  const mode = body['persist_mode'] ?? 'SECURED'
  if (mode !== 'SECURED') {
    throw new GatewayError(
      'GATEWAY_BAD_REQUEST',
      'persist_mode must be "SECURED" (the only mode kept)'
    )
  }
  if (body['authorization'] === undefined) {
    throw new GatewayError('GATEWAY_UNAUTHORIZED', 'authorization is required')
  }
  const auth = asObject(body['authorization'], 'authorization')
  const pub = asObject(auth['pub_key'], 'authorization.pub_key')
  const record: NamedRecord = {
    key,
    value,
    seq: parseUint(body['seq'] ?? 0, 'seq'),
    expTime: parseUint(pub['exp_time'] ?? 0, 'exp_time'),
    publicKey: parseKey(pub['key'], 'pub_key.key'),
    signature: parseSignature(auth['sign'], 'sign')
  }
  if (!isValidNamed(record)) throw new GatewayError('GATEWAY_BAD_REQUEST', 'sign does not verify')
  if (record.expTime !== 0 && record.expTime * 1000 <= Date.now()) {
    throw new GatewayError('GATEWAY_UNAUTHORIZED', 'the authorization has expired (exp_time)')
  }
  const node = ctx.requireConnected()
  const r = await node.namedPut(record, { signal: ctx.dhtSignal() })
  if (r.stored === 0) throw new GatewayError('GATEWAY_DHT_FAILED', 'no node stored the record')
  ctx.send(200, { key, seq: record.seq, stored: r.stored })
}

async function get(ctx: RequestContext): Promise<void> {
  const key = keyOf(ctx)
  const node = ctx.requireConnected()
  const r = await node.get(key, { signal: ctx.dhtSignal() })
  if (r === null) throw new GatewayError('GATEWAY_NOT_FOUND', 'no record under that key')
  ctx.send(200, namedJson(r))
}

function listenable(ctx: RequestContext): Listenable {
  const key = keyOf(ctx)
  return {
    key: 'dht:' + key,
    target: { key },
    toJson: (e) => (e.type === 'named' ? { ...namedJson(e.record), pushed: e.pushed } : null)
  }
}

/** The named-record routes. */
export const namedRoutes: Route[] = [
  { method: 'POST', path: '/dht/:key', handler: put },
  { method: 'GET', path: '/dht/:key', handler: get },
  ...listenRoutes('/dht/:key', listenable)
]
