// Raw-datagram edge cases: hand-made requests (written from docs/wire-protocol.md, not with either
// implementation) sent to a live node of each implementation. Each case states the answer the
// real dht-rpc 6.27.0 gives, and keymesh must give the same one. "No answer" is established
// without sleeping: a ping sent right after the case is answered in order, so once its reply is
// in, any reply to the case would have arrived before it.

import test from 'brittle'
import {
  IMPL_NAMES,
  LOCALHOST,
  UNKNOWN_USER_COMMAND,
  USER_COMMAND,
  createNetwork,
  encodeIpv4Address,
  impls,
  label,
  nodeId,
  userReply,
  withTimeout
} from '../src/index.js'
import type { ImplName, Member, Network } from '../src/index.js'
import type { T } from './helpers/brittle.js'
import {
  DELAYED_PING,
  DOWN_HINT,
  FIND_NODE,
  PING,
  PING_NAT,
  REQUEST_TYPE,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeUint
} from './helpers/datagrams.js'
import type { DecodedResponse, RequestFields } from './helpers/datagrams.js'
import { RawSocket } from './helpers/raw-socket.js'

test.configure({ timeout: 60_000 })

/** What a case expects back: nothing, or a response with these properties. */
type Expect =
  | 'none'
  | {
      error: number
      token: boolean
      closer: boolean
      value?: (target: Member) => Buffer | null
    }

interface Case {
  name: string
  datagram: (ctx: Ctx) => Buffer
  expect: Expect
}

interface Ctx {
  tid: number
  to: { host: string; port: number }
  raw: RawSocket
  others: Buffer[]
}

const ok = { error: 0, token: false, closer: false } as const
const target32 = Buffer.alloc(32, 0xab)

function req(ctx: Ctx, fields: Omit<RequestFields, 'tid' | 'to'>): Buffer {
  return encodeRequest({ tid: ctx.tid, to: ctx.to, ...fields })
}

function withFirstByte(b: number, datagram: Buffer): Buffer {
  const out = Buffer.from(datagram)
  out[0] = b
  return out
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16LE(n, 0)
  return b
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n, 0)
  return b
}

// head = type, flags (as given), tid, to
function head(ctx: Ctx, flags: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([REQUEST_TYPE]),
    flags,
    u16(ctx.tid),
    encodeIpv4Address(ctx.to.host, ctx.to.port)
  ])
}

const CASES: Case[] = [
  { name: 'PING', datagram: (c) => req(c, { internal: true, command: PING }), expect: ok },
  {
    name: 'PING with trailing bytes',
    datagram: (c) =>
      Buffer.concat([req(c, { internal: true, command: PING }), Buffer.from('trailing')]),
    expect: ok
  },
  {
    name: 'PING with non-minimal flags uint (fd 04 00)',
    datagram: (c) => Buffer.concat([head(c, Buffer.from([0xfd, 0x04, 0x00])), encodeUint(PING)]),
    expect: ok
  },
  {
    name: 'PING with non-minimal command uint (fd 00 00)',
    datagram: (c) => Buffer.concat([head(c, Buffer.from([0x04])), Buffer.from([0xfd, 0x00, 0x00])]),
    expect: ok
  },
  {
    name: 'PING with version byte 0x02',
    datagram: (c) => withFirstByte(0x02, req(c, { internal: true, command: PING })),
    expect: 'none'
  },
  {
    name: 'PING with type byte 0x23',
    datagram: (c) => withFirstByte(0x23, req(c, { internal: true, command: PING })),
    expect: 'none'
  },
  {
    name: 'PING truncated inside the to field',
    datagram: (c) => req(c, { internal: true, command: PING }).subarray(0, 7),
    expect: 'none'
  },
  {
    name: 'PING without command byte',
    datagram: (c) => head(c, Buffer.from([0x04])),
    expect: 'none'
  },
  { name: 'a lone 0x03 byte', datagram: () => Buffer.from([REQUEST_TYPE]), expect: 'none' },
  { name: 'two bytes 03 04', datagram: () => Buffer.from([REQUEST_TYPE, 0x04]), expect: 'none' },
  {
    name: 'PING with id flag but no id bytes',
    datagram: (c) => Buffer.concat([head(c, Buffer.from([0x05])), encodeUint(PING)]),
    expect: 'none'
  },
  {
    name: 'PING with a spoofed id (another node’s)',
    datagram: (c) => req(c, { internal: true, command: PING, id: c.others[0] as Buffer }),
    expect: ok
  },
  {
    name: 'PING with undefined flag bit 5 (flags 0x24)',
    datagram: (c) => Buffer.concat([head(c, Buffer.from([0x24])), encodeUint(PING)]),
    expect: ok
  },
  {
    name: 'PING with undefined flag bit 7 (flags 0x84)',
    datagram: (c) => Buffer.concat([head(c, Buffer.from([0x84])), encodeUint(PING)]),
    expect: ok
  },
  {
    name: `user command ${USER_COMMAND} with target, value and flag bits 5-7 (flags 0xf8)`,
    datagram: (c) =>
      Buffer.concat([
        head(c, Buffer.from([0xf8])),
        encodeUint(USER_COMMAND),
        target32,
        encodeUint(3),
        Buffer.from('raw')
      ]),
    expect: {
      error: 0,
      token: true,
      closer: true,
      value: (m) => userReply(m.impl, m.port, Buffer.from('raw'))
    }
  },
  {
    name: 'unknown internal command 99',
    datagram: (c) => req(c, { internal: true, command: 99 }),
    expect: { error: 1, token: false, closer: false }
  },
  {
    name: 'unknown internal command 99 with target',
    datagram: (c) => req(c, { internal: true, command: 99, target: target32 }),
    expect: { error: 1, token: false, closer: true }
  },
  {
    name: 'FIND_NODE without target',
    datagram: (c) => req(c, { internal: true, command: FIND_NODE }),
    expect: 'none'
  },
  {
    name: 'FIND_NODE with target',
    datagram: (c) => req(c, { internal: true, command: FIND_NODE, target: target32 }),
    expect: { error: 0, token: false, closer: true }
  },
  {
    name: 'FIND_NODE with a 31-byte target (truncated)',
    datagram: (c) =>
      req(c, { internal: true, command: FIND_NODE, target: target32 }).subarray(0, -1),
    expect: 'none'
  },
  {
    name: 'PING_NAT without value',
    datagram: (c) => req(c, { internal: true, command: PING_NAT }),
    expect: 'none'
  },
  {
    name: 'PING_NAT with 1-byte value',
    datagram: (c) => req(c, { internal: true, command: PING_NAT, value: Buffer.from([1]) }),
    expect: 'none'
  },
  {
    name: 'PING_NAT to port 0',
    datagram: (c) => req(c, { internal: true, command: PING_NAT, value: u16(0) }),
    expect: 'none'
  },
  {
    name: 'PING_NAT to our own port',
    datagram: (c) => req(c, { internal: true, command: PING_NAT, value: u16(c.raw.port) }),
    expect: ok
  },
  {
    name: 'DOWN_HINT with 5-byte value',
    datagram: (c) => req(c, { internal: true, command: DOWN_HINT, value: Buffer.alloc(5) }),
    expect: 'none'
  },
  {
    name: 'DOWN_HINT with an unknown address',
    datagram: (c) =>
      req(c, { internal: true, command: DOWN_HINT, value: encodeIpv4Address('127.0.0.1', 9) }),
    expect: ok
  },
  {
    name: 'DELAYED_PING with 3-byte value',
    datagram: (c) => req(c, { internal: true, command: DELAYED_PING, value: Buffer.alloc(3) }),
    expect: 'none'
  },
  {
    name: 'DELAYED_PING above maxPingDelay (20 s)',
    datagram: (c) => req(c, { internal: true, command: DELAYED_PING, value: u32(20_000) }),
    expect: 'none'
  },
  {
    name: 'PING with a bad token',
    datagram: (c) => req(c, { internal: true, command: PING, token: Buffer.alloc(32, 7) }),
    expect: { error: 2, token: true, closer: false }
  },
  {
    name: `user command ${USER_COMMAND} with target and value`,
    datagram: (c) =>
      req(c, {
        internal: false,
        command: USER_COMMAND,
        target: target32,
        value: Buffer.from('raw')
      }),
    expect: {
      error: 0,
      token: true,
      closer: true,
      value: (m) => userReply(m.impl, m.port, Buffer.from('raw'))
    }
  },
  {
    name: `user command ${USER_COMMAND} with an empty value`,
    datagram: (c) => req(c, { internal: false, command: USER_COMMAND, value: Buffer.alloc(0) }),
    expect: {
      error: 0,
      token: true,
      closer: false,
      value: (m) => userReply(m.impl, m.port, Buffer.alloc(0))
    }
  },
  {
    name: `user command ${USER_COMMAND} with a 1400-byte value`,
    datagram: (c) =>
      req(c, { internal: false, command: USER_COMMAND, value: Buffer.alloc(1400, 1) }),
    expect: {
      error: 0,
      token: true,
      closer: false,
      value: (m) => userReply(m.impl, m.port, Buffer.alloc(1400, 1))
    }
  },
  {
    name: `user command ${USER_COMMAND} with a bad token`,
    datagram: (c) =>
      req(c, {
        internal: false,
        command: USER_COMMAND,
        target: target32,
        token: Buffer.alloc(32, 9)
      }),
    expect: { error: 2, token: true, closer: true }
  },
  {
    name: `user command ${USER_COMMAND} whose value length runs past the end`,
    datagram: (c) =>
      Buffer.concat([
        head(c, Buffer.from([0x10])),
        encodeUint(USER_COMMAND),
        Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff]),
        Buffer.alloc(8)
      ]),
    expect: 'none'
  },
  {
    name: `unserved user command ${UNKNOWN_USER_COMMAND}`,
    datagram: (c) => req(c, { internal: false, command: UNKNOWN_USER_COMMAND, target: target32 }),
    expect: { error: 1, token: false, closer: true }
  },
  {
    name: 'a response nobody asked for',
    datagram: (c) =>
      encodeResponse({ tid: c.tid, to: c.to, closerNodes: [c.to], value: Buffer.from('x') }),
    expect: 'none'
  },
  {
    name: 'a response whose closerNodes count is 2^32 - 1',
    datagram: (c) =>
      Buffer.concat([
        Buffer.from([0x13, 0x04]),
        u16(c.tid),
        encodeIpv4Address(c.to.host, c.to.port),
        Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff])
      ]),
    expect: 'none'
  }
]

type Outcome =
  | 'none'
  | { error: number; token: boolean; closer: boolean; value: string | null; tidEcho: boolean }

function outcomeOf(replies: DecodedResponse[], tid: number): Outcome {
  const r = replies[0]
  if (r === undefined) return 'none'
  return {
    error: r.error,
    token: r.token !== null,
    closer: r.closerNodes > 0,
    value: r.value === null ? null : r.value.toString('hex'),
    tidEcho: r.tid === tid
  }
}

async function serve(t: T, impl: ImplName): Promise<{ net: Network; node: Member }> {
  const net = await createNetwork(impls, {
    bootstrapper: impl,
    nodes: [impl, impl, impl],
    handlers: () => 'hook'
  })
  t.teardown(() => net.destroy())
  return { net, node: net.nodes[0] as Member }
}

/** Sends `datagram`, then a ping; returns the responses that arrived before the ping's reply. */
async function probe(
  raw: RawSocket,
  port: number,
  datagram: Buffer,
  barrierTid: number
): Promise<DecodedResponse[]> {
  const got: DecodedResponse[] = []
  raw.ondatagram = (d) => {
    const res = decodeResponse(d)
    if (res !== null && res.tid !== barrierTid) got.push(res)
  }
  await raw.send(datagram, port)
  const ping = encodeRequest({
    tid: barrierTid,
    to: { host: LOCALHOST, port },
    internal: true,
    command: PING
  })
  await raw.request(ping, barrierTid, port)
  raw.ondatagram = null
  return got
}

const results = new Map<ImplName, Map<string, Outcome>>()

for (const impl of IMPL_NAMES) {
  test(`raw edge cases against a ${label(impl)} node`, async (t) => {
    const { net, node } = await serve(t, impl)
    const raw = new RawSocket()
    t.teardown(() => raw.close())
    const others = net.persistent.filter((m) => m !== node).map((m) => nodeId(LOCALHOST, m.port))
    const outcomes = new Map<string, Outcome>()
    results.set(impl, outcomes)
    let i = 0
    for (const c of CASES) {
      const tid = 1000 + i
      const ctx: Ctx = { tid, to: { host: LOCALHOST, port: node.port }, raw, others }
      const replies = await probe(raw, node.port, c.datagram(ctx), 50_000 + i++)
      const outcome = outcomeOf(replies, tid)
      outcomes.set(c.name, outcome)
      if (c.expect === 'none') {
        t.is(outcome, 'none', `${c.name}: no answer`)
        continue
      }
      if (outcome === 'none') {
        t.fail(`${c.name}: expected an answer, got none`)
        continue
      }
      t.is(replies.length, 1, `${c.name}: exactly one answer`)
      const expected = c.expect
      const value = expected.value ? (expected.value(node)?.toString('hex') ?? null) : outcome.value
      t.alike(
        outcome,
        {
          error: expected.error,
          token: expected.token,
          closer: expected.closer,
          value,
          tidEcho: true
        },
        `${c.name}: error ${expected.error}, token ${expected.token}, closerNodes ${expected.closer}`
      )
    }

    // DELAYED_PING is answered later, so it cannot use the ping barrier
    const delayed = encodeRequest({
      tid: 4000,
      to: { host: LOCALHOST, port: node.port },
      internal: true,
      command: DELAYED_PING,
      value: u32(30)
    })
    const sent = Date.now()
    const reply = decodeResponse(
      await withTimeout(raw.request(delayed, 4000, node.port, 1, 5000), 6000, 'DELAYED_PING')
    )
    t.is(reply?.error, 0, 'DELAYED_PING 30 ms: answered')
    t.ok(Date.now() - sent >= 25, 'DELAYED_PING 30 ms: not before the delay')

    t.absent(
      node.node.toArray().some((a) => a.port === raw.port),
      'the raw socket was never added to the table'
    )

    // the other direction: the node's request answered by a hand-made response
    for (const flags of [0x00, 0x20, 0x80]) {
      raw.ondatagram = (d) => {
        if (d[0] !== REQUEST_TYPE || d.byteLength < 4) return
        const response = Buffer.concat([
          Buffer.from([0x13, flags]),
          d.subarray(2, 4), // the request's tid (its flags are one byte)
          encodeIpv4Address(LOCALHOST, node.port)
        ])
        void raw.send(response, node.port)
      }
      const answer = await node.node
        .request(
          { command: USER_COMMAND, value: Buffer.from('q') },
          { host: LOCALHOST, port: raw.port },
          { retry: false }
        )
        .then(
          (r) => `error ${r.error}`,
          (err: { code?: unknown }) => String(err.code)
        )
      raw.ondatagram = null
      t.is(
        answer,
        'error 0',
        `its request is completed by a response with flags 0x${flags.toString(16)}`
      )
    }
  })
}

test('raw edge cases: keymesh and real answer identically', (t) => {
  const ours = results.get('keymesh')
  const theirs = results.get('real')
  if (ours === undefined || theirs === undefined) {
    t.fail('a run did not finish')
    return
  }
  for (const c of CASES) {
    const a = ours.get(c.name)
    const b = theirs.get(c.name)
    // user-command replies carry the responder's port, so compare all but the value there
    const strip = (o: Outcome | undefined): unknown =>
      o === undefined || o === 'none' ? o : { ...o, value: o.value !== null }
    t.alike(strip(a), strip(b), c.name)
  }
})
