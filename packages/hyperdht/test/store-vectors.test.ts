// Replays the recorded hyperdht 6.33.0 exchanges against Persistent: same reply bytes and flags.

import test from 'brittle'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ErrorReplyOptions, ReplyOptions, Request } from '@keymesh/dht-rpc'
import { COMMANDS, decode, lookupRawReply, rpcRequest, rpcResponse } from '@keymesh/wire'
import { Persistent } from '../src/persistent.js'
import { Router } from '../src/router.js'

interface Packet {
  udp_from: { host: string; port: number }
  hex: string
}

interface Exchange {
  name: string
  request: Packet
  response: Packet
}

interface PacketFile {
  node_B_id_hex: string
  exchanges: Exchange[]
}

/** What a handler answered, in the terms a response datagram shows. */
interface Answer {
  error: number
  value: Buffer | null
  token: boolean
  closerNodes: boolean
}

function loadVector(file: string): PacketFile {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) dir = dirname(dir)
  return JSON.parse(readFileSync(join(dir, 'vectors', file), 'utf8')) as PacketFile
}

// an incoming request as dht-rpc hands it over, recording the answer instead of sending it
function fakeRequest(packet: Packet, answers: Answer[]): Request {
  const m = decode(rpcRequest, Buffer.from(packet.hex, 'hex'))
  const copy = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b))
  return {
    command: m.command,
    target: copy(m.target),
    token: copy(m.token),
    value: copy(m.value),
    from: { id: null, ...packet.udp_from },
    reply(value: Uint8Array | null, o: ReplyOptions = {}) {
      answers.push({
        error: 0,
        value: copy(value),
        token: o.token !== false,
        closerNodes: o.closerNodes !== false
      })
    },
    error(code: number, o: ErrorReplyOptions = {}) {
      answers.push({ error: code, value: null, token: o.token === true, closerNodes: true })
    }
  } as unknown as Request
}

const HANDLERS: Record<number, (p: Persistent, req: Request) => void> = {
  [COMMANDS.FIND_PEER]: (p, r) => p.onfindpeer(r),
  [COMMANDS.LOOKUP]: (p, r) => p.onlookup(r),
  [COMMANDS.ANNOUNCE]: (p, r) => p.onannounce(r),
  [COMMANDS.UNANNOUNCE]: (p, r) => p.onunannounce(r),
  [COMMANDS.MUTABLE_PUT]: (p, r) => p.onmutableput(r),
  [COMMANDS.MUTABLE_GET]: (p, r) => p.onmutableget(r),
  [COMMANDS.IMMUTABLE_PUT]: (p, r) => p.onimmutableput(r),
  [COMMANDS.IMMUTABLE_GET]: (p, r) => p.onimmutableget(r)
}

for (const file of ['hyperdht-announce-packets.json', 'hyperdht-mutable-immutable-packets.json']) {
  test(`vectors: ${file} replayed against Persistent`, (t) => {
    const vector = loadVector(file)
    const router = new Router()
    const persistent = new Persistent({ id: Buffer.from(vector.node_B_id_hex, 'hex') }, router)
    t.teardown(() => persistent.destroy())

    for (const ex of vector.exchanges) {
      const res = decode(rpcResponse, Buffer.from(ex.response.hex, 'hex'))
      // UNKNOWN_COMMAND from an ephemeral node is the facade's answer, not the store's
      if (res.error === 1) continue
      const answers: Answer[] = []
      const req = fakeRequest(ex.request, answers)
      ;(HANDLERS[req.command] as (p: Persistent, req: Request) => void)(persistent, req)

      t.is(answers.length, 1, `${ex.name}: answered once`)
      const a = answers[0] as Answer
      t.is(a.error, res.error, `${ex.name}: error`)
      t.is(a.token, res.token !== null, `${ex.name}: token`)
      t.is(a.closerNodes, res.closerNodes !== null, `${ex.name}: closer nodes`)
      if (req.command === COMMANDS.LOOKUP && res.value !== null && a.value !== null) {
        // record order is random in a real node (the recording pinned it)
        const ours = decode(lookupRawReply, a.value)
        const theirs = decode(lookupRawReply, res.value)
        const keys = (r: typeof ours) => r.peers.map((p) => p.publicKey.toString('hex')).sort()
        t.alike(keys(ours), keys(theirs), `${ex.name}: records`)
        t.is(ours.bump, theirs.bump, `${ex.name}: bump`)
        t.is(a.value.byteLength, res.value.byteLength, `${ex.name}: value length`)
      } else {
        t.alike(a.value, res.value, `${ex.name}: value bytes`)
      }
    }
  })
}
