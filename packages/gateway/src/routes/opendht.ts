// OpenDHT-compatible routes: GET/POST/LISTEN /:hash and GET /:hash/:valueId, over keymesh records.

import { HyperDHT } from '@keymesh/hyperdht'
import type { NamedRecord } from '@keymesh/hyperdht'
import type { Listenable, RequestContext } from '../context.js'
import { GatewayError } from '../errors.js'
import { EventWriter } from '../event-writer.js'
import type { Route } from '../router.js'
import { b64, hex, parseBase64, parseHex32, parseUint } from '../codec.js'
import { listenRoutes } from './listenable.js'

/** OpenDHT value types used here: 0 a content-addressed (immutable) value, 1 a signed one. */
export const OPENDHT_TYPES = Object.freeze({ IMMUTABLE: 0, SIGNED: 1 })

/** An OpenDHT value: `{ id, data, seq, owner, sig, type }` (id a decimal uint64 string). */
export interface OpenDhtValue {
  id: string
  data: string
  seq: number
  owner?: string
  sig?: string
  type: number
}

function idOf(bytes: Uint8Array): string {
  return HyperDHT.hash(bytes).readBigUInt64BE(0).toString()
}

function immutableValue(data: Buffer): OpenDhtValue {
  return { id: idOf(data), data: b64(data), seq: 0, type: OPENDHT_TYPES.IMMUTABLE }
}

// a signed value keeps its id across updates, as OpenDHT's edits do: it names owner and key
function signedValue(r: NamedRecord): OpenDhtValue {
  return {
    id: idOf(Buffer.concat([r.publicKey, Buffer.from(r.key)])),
    data: b64(r.value),
    seq: r.seq,
    owner: hex(r.publicKey),
    sig: b64(r.signature),
    type: OPENDHT_TYPES.SIGNED
  }
}

// every value under the key: the immutable value whose hash it is, and the named record `<hex>`
async function values(ctx: RequestContext, onvalue: (v: OpenDhtValue) => boolean): Promise<void> {
  const hash = parseHex32(ctx.param(0), 'hash')
  const node = ctx.requireConnected()
  const signal = ctx.dhtSignal()
  const results = await Promise.allSettled([
    node.immutableGet(hash, { signal }).then((r) => r !== null && onvalue(immutableValue(r.value))),
    node.get(hex(hash), { signal }).then((r) => r !== null && onvalue(signedValue(r)))
  ])
  const failed = results.find((r) => r.status === 'rejected')
  if (failed !== undefined && results.every((r) => r.status === 'rejected')) {
    throw (failed as PromiseRejectedResult).reason
  }
}

async function getAll(ctx: RequestContext): Promise<void> {
  const writer = new EventWriter(ctx.res, false)
  await values(ctx, (v) => writer.write(v))
  if (!writer.headersSent) throw new GatewayError('GATEWAY_NOT_FOUND', 'no value under that key')
  writer.end()
}

async function getOne(ctx: RequestContext): Promise<void> {
  const want = ctx.param(1)
  if (!/^[0-9]{1,20}$/.test(want))
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'value id must be a uint64')
  let found: OpenDhtValue | null = null
  await values(ctx, (v) => {
    if (v.id === want) found = v
    return true
  })
  if (found === null) throw new GatewayError('GATEWAY_NOT_FOUND', 'no value with that id')
  ctx.send(200, found)
}

// content-addressed data is stored as is; anything else as a record signed by the gateway
async function put(ctx: RequestContext): Promise<void> {
  const hash = parseHex32(ctx.param(0), 'hash')
  const body = await ctx.json()
  const data = parseBase64(body['data'], 'data')
  const node = ctx.requireConnected()
  const signal = ctx.dhtSignal()
  if (HyperDHT.hash(data).equals(hash)) {
    const r = await node.immutablePut(data, { signal })
    if (r.stored === 0) throw new GatewayError('GATEWAY_DHT_FAILED', 'no node stored the value')
    return ctx.send(200, immutableValue(data))
  }
  const seq = body['seq'] === undefined ? Date.now() : parseUint(body['seq'], 'seq')
  const r = await node.set(hex(hash), data, { keyPair: ctx.core.keyPair, seq, signal })
  if (r.stored === 0) throw new GatewayError('GATEWAY_DHT_FAILED', 'no node stored the value')
  ctx.send(200, signedValue(r.record))
}

function listenable(ctx: RequestContext): Listenable {
  const hash = parseHex32(ctx.param(0), 'hash')
  return {
    key: 'opendht:' + hex(hash),
    target: { key: hex(hash) },
    toJson: (e) => (e.type === 'named' ? { ...signedValue(e.record) } : null)
  }
}

/** The OpenDHT routes; they come last, so named paths win. */
export const openDhtRoutes: Route[] = [
  { method: 'GET', path: '/:hash#hex', handler: getAll },
  { method: 'POST', path: '/:hash#hex', handler: put },
  ...listenRoutes('/:hash#hex', listenable),
  { method: 'GET', path: '/:hash#hex/:valueId', handler: getOne }
]
