// POST /immutable (raw body or {"data"}) and GET /immutable/:hash.

import type { RequestContext } from '../context.js'
import { GatewayError } from '../errors.js'
import type { Route } from '../router.js'
import { b64, hex, parseBase64, parseHex32 } from '../codec.js'
import { parseJson } from '../body.js'
import { asObject } from '../codec.js'

async function put(ctx: RequestContext): Promise<void> {
  const body = await ctx.body()
  const json = (ctx.req.headers['content-type'] ?? '').includes('application/json')
  const value = json ? parseBase64(asObject(parseJson(body))['data'], 'data') : body
  if (value.byteLength === 0) throw new GatewayError('GATEWAY_BAD_REQUEST', 'empty value')
  const node = ctx.requireConnected()
  const r = await node.immutablePut(value, { signal: ctx.dhtSignal() })
  if (r.stored === 0) throw new GatewayError('GATEWAY_DHT_FAILED', 'no node stored the value')
  ctx.send(200, { hash: hex(r.hash), stored: r.stored })
}

async function get(ctx: RequestContext): Promise<void> {
  const hash = parseHex32(ctx.param(0), 'hash')
  const node = ctx.requireConnected()
  const r = await node.immutableGet(hash, { signal: ctx.dhtSignal() })
  if (r === null) throw new GatewayError('GATEWAY_NOT_FOUND', 'no value under that hash')
  ctx.send(200, { hash: hex(hash), data: b64(r.value) })
}

/** The immutable routes. */
export const immutableRoutes: Route[] = [
  { method: 'POST', path: '/immutable', handler: put },
  { method: 'GET', path: '/immutable/:hash', handler: get }
]
