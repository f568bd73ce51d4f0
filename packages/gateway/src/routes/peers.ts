// Topics: POST /peers/:topic announces, DELETE unannounces, GET streams the peers found; listens.

import type { KeyPair } from '@keymesh/hyperdht'
import type { Listenable, RequestContext } from '../context.js'
import { GatewayError } from '../errors.js'
import { EventWriter } from '../event-writer.js'
import type { Route } from '../router.js'
import { hex, parseHex32, parseRelayAddresses, peerJson } from '../codec.js'
import { listenRoutes } from './listenable.js'

function keyPairOf(ctx: RequestContext, name: unknown): KeyPair {
  if (name === undefined) return ctx.core.keyPair
  if (typeof name !== 'string')
    throw new GatewayError('GATEWAY_BAD_REQUEST', 'keyPair must be a name')
  const kp = Object.hasOwn(ctx.core.keyPairs, name) ? ctx.core.keyPairs[name] : undefined
  if (kp === undefined) throw new GatewayError('GATEWAY_NOT_FOUND', 'no key pair of that name')
  return kp
}

async function announce(ctx: RequestContext): Promise<void> {
  const topic = parseHex32(ctx.param(0), 'topic')
  const body = await ctx.json()
  const keyPair = keyPairOf(ctx, body['keyPair'])
  const relayAddresses = parseRelayAddresses(body['relayAddresses'])
  const node = ctx.requireConnected()
  const q = node.announce(topic, keyPair, relayAddresses, { signal: ctx.dhtSignal() })
  await q.finished()
  ctx.send(200, {
    topic: hex(topic),
    publicKey: hex(keyPair.publicKey),
    closestNodes: q.closestNodes.length
  })
}

async function unannounce(ctx: RequestContext): Promise<void> {
  const topic = parseHex32(ctx.param(0), 'topic')
  const body = await ctx.json()
  const keyPair = keyPairOf(ctx, body['keyPair'])
  const node = ctx.requireConnected()
  await node.unannounce(topic, keyPair, { signal: ctx.dhtSignal() })
  ctx.send(200, { topic: hex(topic), publicKey: hex(keyPair.publicKey) })
}

// one line per distinct peer, written as the lookup finds it
async function lookup(ctx: RequestContext): Promise<void> {
  const topic = parseHex32(ctx.param(0), 'topic')
  const node = ctx.requireConnected()
  const writer = new EventWriter(ctx.res, false)
  const seen = new Set<string>()
  try {
    for await (const reply of node.lookup(topic, { signal: ctx.dhtSignal() })) {
      for (const p of reply.peers) {
        const k = hex(p.publicKey)
        if (seen.has(k)) continue
        seen.add(k)
        if (!writer.write(peerJson(p))) return
      }
    }
  } catch (err) {
    if (!writer.headersSent) throw err
  }
  if (!writer.headersSent) throw new GatewayError('GATEWAY_NOT_FOUND', 'no peers on that topic')
  writer.end()
}

function listenable(ctx: RequestContext): Listenable {
  const topic = parseHex32(ctx.param(0), 'topic')
  return {
    key: 'peers:' + hex(topic),
    target: { topic },
    toJson: (e) =>
      e.type === 'peer'
        ? { ...peerJson(e), ...(e.expired ? { expired: true } : {}), pushed: e.pushed }
        : null
  }
}

/** The topic routes. */
export const peerRoutes: Route[] = [
  { method: 'POST', path: '/peers/:topic', handler: announce },
  { method: 'DELETE', path: '/peers/:topic', handler: unannounce },
  { method: 'GET', path: '/peers/:topic', handler: lookup },
  ...listenRoutes('/peers/:topic', listenable)
]
