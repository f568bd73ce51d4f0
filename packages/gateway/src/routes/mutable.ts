// Mutable records: GET/POST /mutable/:publicKey, POST /mutable/sign/:name, and their listens.

import type { Listenable, RequestContext } from '../context.js'
import { GatewayError } from '../errors.js'
import type { Route } from '../router.js'
import {
  b64,
  hex,
  parseBase64,
  parseBool,
  parseHex32,
  parseSignature,
  parseUint
} from '../codec.js'
import { listenRoutes } from './listenable.js'

async function get(ctx: RequestContext): Promise<void> {
  const publicKey = parseHex32(ctx.param(0), 'publicKey')
  const seq = ctx.query.has('seq') ? parseUint(ctx.query.get('seq'), 'seq') : 0
  const latest = ctx.query.has('latest') ? parseBool(ctx.query.get('latest') ?? '', 'latest') : true
  const node = ctx.requireConnected()
  const r = await node.mutableGet(publicKey, { seq, latest, signal: ctx.dhtSignal() })
  if (r === null) throw new GatewayError('GATEWAY_NOT_FOUND', 'no record for that public key')
  ctx.send(200, {
    publicKey: hex(publicKey),
    seq: r.seq,
    data: b64(r.value),
    signature: b64(r.signature)
  })
}

// the client signed; the gateway only checks and forwards (it never sees a secret key)
async function put(ctx: RequestContext): Promise<void> {
  const publicKey = parseHex32(ctx.param(0), 'publicKey')
  const body = await ctx.json()
  const value = parseBase64(body['data'], 'data')
  const seq = parseUint(body['seq'] ?? 0, 'seq')
  const signature = parseSignature(body['signature'])
  const node = ctx.requireConnected()
  const r = await node.mutablePut({ publicKey, secretKey: Buffer.alloc(64) }, value, {
    seq,
    signMutable: () => signature,
    signal: ctx.dhtSignal()
  })
  if (r.stored === 0) throw new GatewayError('GATEWAY_DHT_FAILED', 'no node stored the record')
  ctx.send(200, { publicKey: hex(publicKey), seq, signature: b64(signature), stored: r.stored })
}

// the OpenDHT sign endpoint, opt-in: only key pairs the operator configured
async function sign(ctx: RequestContext): Promise<void> {
  const keyPair = ctx.core.keyPairs[ctx.param(0)]
  if (keyPair === undefined || !Object.hasOwn(ctx.core.keyPairs, ctx.param(0))) {
    throw new GatewayError('GATEWAY_NOT_FOUND', 'no key pair of that name')
  }
  const body = await ctx.json()
  const value = parseBase64(body['data'], 'data')
  const node = ctx.requireConnected()
  let seq: number
  if (body['seq'] !== undefined) seq = parseUint(body['seq'], 'seq')
  else {
    const cur = await node.mutableGet(keyPair.publicKey, { signal: ctx.dhtSignal() })
    seq = cur === null ? 1 : cur.seq + 1
  }
  const r = await node.mutablePut(keyPair, value, { seq, signal: ctx.dhtSignal() })
  ctx.send(200, {
    publicKey: hex(keyPair.publicKey),
    seq,
    data: b64(value),
    signature: b64(r.signature),
    stored: r.stored
  })
}

function listenable(ctx: RequestContext): Listenable {
  const publicKey = parseHex32(ctx.param(0), 'publicKey')
  return {
    key: 'mutable:' + hex(publicKey),
    target: { publicKey },
    toJson: (e) =>
      e.type === 'mutable'
        ? {
            publicKey: hex(publicKey),
            seq: e.seq,
            data: b64(e.value),
            signature: b64(e.signature),
            pushed: e.pushed
          }
        : null
  }
}

/** The mutable routes. */
export const mutableRoutes: Route[] = [
  { method: 'POST', path: '/mutable/sign/:name', handler: sign },
  { method: 'GET', path: '/mutable/:publicKey', handler: get },
  { method: 'POST', path: '/mutable/:publicKey', handler: put },
  ...listenRoutes('/mutable/:publicKey', listenable)
]
