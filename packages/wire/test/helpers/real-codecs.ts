// The real hyperdht / dht-rpc / compact-encoding packages as test peers (devDependencies only).
//
// Nothing here is copied into keymesh: this file only drives the real packages' own code so
// tests and benchmarks can compare keymesh's bytes and decoded fields with theirs.
//
// hyperdht's payload codecs are plain compact-encoding codecs (hyperdht/lib/messages.js) and
// are driven with compact-encoding's state protocol.
//
// dht-rpc's datagram codec is not exported: it lives inside dht-rpc/lib/io.js, in the IO class
// and its module-private Request class. `RealDhtRpc` builds a real IO around fakes:
//   - a fake udx (only `watchNetworkInterfaces` is called by the constructor),
//   - a fake UDP socket whose `trySend(buf, port, host)` captures the bytes IO writes,
//   - a fake routing table ({ id, closest() }) whose `id` is what a non-ephemeral IO writes
//     as its node id and whose `closest()` supplies a reply's closerNodes.
// Requests are encoded by `io.createRequest(...)` + `send(true)` (the real send path), and
// decoded by feeding the datagram to `io.onmessage(socket, buf, from)`, whose `onrequest`
// callback receives the real decoder's Request. Responses are encoded by a real Request's
// `sendReply(error, value, token, hasCloserNodes)`, and decoded by `io.onmessage` with a fake
// in-flight request of the right tid, capturing `io.onresponse`.
//
// Two real behaviours the harness has to steer (both are IO policy, not wire format):
//   - IO validates a received request token against its own rotating secrets
//     (`io.token(from, i)`) and a reply's token is `io.token(from, 1)`. The harness replaces
//     `io.token` on the instance: for encoding it returns the token under test, for decoding
//     it returns the token the caller expects, so a decoder that read other bytes is
//     rejected (the real IO then sends an INVALID_TOKEN error, reported as 'invalid-token').
//   - A decoded id is only kept when it equals BLAKE2b(sender ip+port) (`validateId`);
//     otherwise the real view has `from.id = null`. `peerId(host, port)` gives the real id.

import { createRequire } from 'node:module'
import type { PeerAddress, RpcRequest, RpcResponse } from '../../src/index.js'

const require = createRequire(import.meta.url)

/** compact-encoding's state. */
export interface RealState {
  start: number
  end: number
  buffer: Uint8Array | null
}

/** A compact-encoding codec (untyped: the real packages are JavaScript). */
export interface RealCodec {
  preencode(state: RealState, m: unknown): void
  encode(state: RealState, m: unknown): void
  decode(state: RealState): unknown
}

interface CompactEncoding {
  encode(codec: RealCodec, m: unknown): Buffer
  decode(codec: RealCodec, bytes: Uint8Array): unknown
}

/** compact-encoding 3.5.2 itself. */
export const c = require('compact-encoding') as CompactEncoding

export type HyperdhtMessageName =
  | 'handshake'
  | 'holepunch'
  | 'noisePayload'
  | 'holepunchPayload'
  | 'peer'
  | 'peers'
  | 'lookupRawReply'
  | 'announce'
  | 'mutableSignable'
  | 'mutablePutRequest'
  | 'mutableGetResponse'
  | 'pluginRequest'

/** hyperdht 6.33.0's lib/messages.js. */
export const hyperdhtMessages = require('hyperdht/lib/messages.js') as Record<
  HyperdhtMessageName,
  RealCodec
>

/** Encode with a real codec exactly as `compact-encoding.encode` does. */
export function realEncode(codec: RealCodec, m: unknown): Buffer {
  return c.encode(codec, m)
}

/** Decode with a real codec exactly as `compact-encoding.decode` does. */
export function realDecode(codec: RealCodec, bytes: Uint8Array): unknown {
  return c.decode(codec, bytes)
}

/** A real encode measured: what `encode` wrote and how much `preencode` reserved. */
export interface MeasuredEncoding {
  /** The bytes the real `encode` wrote. */
  bytes: Buffer
  /** What the real `preencode` computed; differs from bytes.length when preencode is wrong. */
  preencoded: number
}

const SLACK = 64

/**
 * Run a real codec's preencode, then encode into a buffer with some slack, so an encoder whose
 * preencode under-counts (some hyperdht codecs assume one-byte uints) still shows what it
 * writes. `compact-encoding.encode` would silently drop or corrupt the overflow instead.
 */
export function realEncodeMeasured(codec: RealCodec, m: unknown): MeasuredEncoding {
  const state: RealState = { start: 0, end: 0, buffer: null }
  codec.preencode(state, m)
  const preencoded = state.end
  state.buffer = Buffer.alloc(preencoded + SLACK)
  state.end = state.buffer.byteLength
  codec.encode(state, m)
  return { bytes: Buffer.from(state.buffer.subarray(0, state.start)), preencoded }
}

/** A real decode with how many bytes the decoder consumed. */
export function realDecodeMeasured(
  codec: RealCodec,
  bytes: Uint8Array
): { value: unknown; consumed: number } {
  const state: RealState = { start: 0, end: bytes.byteLength, buffer: bytes }
  const value = codec.decode(state)
  return { value, consumed: state.start }
}

// ---- dht-rpc IO harness -----------------------------------------------------------------------

interface RealAddress {
  id: Uint8Array | null
  host: string
  port: number
}

/** The fields of dht-rpc's module-private Request class that the harness touches. */
interface RealRequest {
  tid: number
  from: RealAddress | null
  to: RealAddress
  token: Buffer | null
  internal: boolean
  command: number
  target: Buffer | null
  value: Buffer | null
  socket: FakeSocket
  send(force?: boolean): void
  destroy(err?: Error): void
  sendReply(error: number, value: Uint8Array | null, token: boolean, hasCloserNodes: boolean): void
  _encodeRequest(
    token: Uint8Array | null,
    value: Uint8Array | null,
    to: PeerAddress,
    socket: FakeSocket
  ): Buffer
}

interface RealRequestClass {
  new (
    io: RealIO,
    socket: FakeSocket,
    tid: number,
    from: RealAddress | PeerAddress | null,
    to: PeerAddress,
    token: Uint8Array | null,
    internal: boolean,
    command: number,
    target: Uint8Array | null,
    value: Uint8Array | null,
    session: null,
    ttl: number
  ): RealRequest
  decode(io: RealIO, socket: FakeSocket, from: RealAddress, state: RealState): RealRequest | null
}

interface RealResponse {
  tid: number
  from: RealAddress
  to: RealAddress
  token: Buffer | null
  closerNodes: RealAddress[] | null
  error: number
  value: Buffer | null
}

interface FakeInflight {
  tid: number
  _timestamp: number
  to: PeerAddress
  sent: number
  session: null
  _timeout: null
  internal: boolean
  command: number
  onresponse(): void
}

interface RealIO {
  inflight: FakeInflight[]
  serverSocket: FakeSocket | null
  clientSocket: FakeSocket | null
  ephemeral: boolean
  firewalled: boolean
  _tid: number
  onrequest: (req: RealRequest, external: boolean) => void
  onresponse: (res: RealResponse, external: boolean) => void
  token: (addr: PeerAddress, i: number) => Uint8Array
  onmessage(socket: FakeSocket, buffer: Uint8Array, from: PeerAddress): void
  createRequest(
    to: PeerAddress,
    token: Uint8Array | null,
    internal: boolean,
    command: number,
    target: Uint8Array | null,
    value: Uint8Array | null,
    session: null,
    ttl: number
  ): RealRequest | null
}

type RealIOClass = new (
  table: FakeTable,
  udx: { watchNetworkInterfaces(): { destroy(): void } },
  opts: { firewalled: boolean; onrequest: (req: RealRequest) => void }
) => RealIO

const IO = require('dht-rpc/lib/io.js') as RealIOClass
const dhtPeer = require('dht-rpc/lib/peer.js') as { id(host: string, port: number): Buffer }

/** A datagram the real IO sent. */
export interface SentDatagram {
  buffer: Buffer
  port: number
  host: string
}

class FakeSocket {
  sent: SentDatagram[] = []
  /** The last datagram sent (not copied). */
  last: Uint8Array | null = null
  /** Keep copies of sent datagrams in `sent` (off in benchmark loops). */
  record = true
  trySend(buffer: Uint8Array, port: number, host: string): void {
    this.last = buffer
    if (this.record) this.sent.push({ buffer: Buffer.from(buffer), port, host })
  }

  take(): SentDatagram[] {
    const out = this.sent
    this.sent = []
    return out
  }
}

interface FakeTable {
  id: Uint8Array
  closest(target: Uint8Array): PeerAddress[]
}

const ZERO32 = Buffer.alloc(32)

/** Why the real IO produced no decoded message. */
export type RealRejection = 'dropped' | 'invalid-token'

function view(addr: { host: string; port: number }): PeerAddress {
  return { host: addr.host, port: addr.port }
}

/** A real dht-rpc IO instance wired to fakes; see the file comment. */
export class RealDhtRpc {
  readonly io: RealIO
  readonly socket = new FakeSocket()
  readonly table: FakeTable = { id: ZERO32, closest: () => [] }
  /** dht-rpc's module-private Request class, reached through a created request. */
  readonly Request: RealRequestClass
  private received: RealRequest | null = null
  private responded: RealResponse | null = null

  constructor() {
    const udx = { watchNetworkInterfaces: () => ({ destroy() {} }) }
    this.io = new IO(this.table, udx, {
      // Not firewalled: requests go out on the server socket, which is what makes a
      // non-ephemeral IO include its id.
      firewalled: false,
      onrequest: (req) => {
        this.received = req
      }
    })
    this.io.serverSocket = this.socket
    this.io.clientSocket = this.socket
    this.io.onresponse = (res) => {
      this.responded = res
    }
    const probe = this.io.createRequest(
      { host: '127.0.0.1', port: 1 },
      null,
      true,
      0,
      null,
      null,
      null,
      0
    )
    if (probe === null) throw new Error('dht-rpc IO refused to create a request')
    probe.destroy()
    this.Request = probe.constructor as RealRequestClass
  }

  /** The node id dht-rpc accepts from `host:port` (BLAKE2b of the 6-byte address). */
  peerId(host: string, port: number): Buffer {
    return dhtPeer.id(host, port)
  }

  /** Point the IO at the id to send (null: ephemeral, no id) and the token to write/accept. */
  private steer(id: Uint8Array | null, token: Uint8Array | null): void {
    this.io.ephemeral = id === null
    this.table.id = id ?? ZERO32
    const t = token ?? ZERO32
    this.io.token = () => t
  }

  /** Real request encoder: `io.createRequest(...)` + `send(true)`; bytes taken off the socket. */
  encodeRequest(m: RpcRequest<Uint8Array>): Buffer {
    this.steer(m.id, null)
    this.io._tid = m.tid
    const req = this.io.createRequest(
      m.to,
      m.token,
      m.internal,
      m.command,
      m.target,
      m.value,
      null,
      0
    )
    if (req === null) throw new Error('createRequest returned null')
    this.socket.take()
    req.send(true)
    req.destroy() // clears its retry timer and the in-flight entry
    const sent = this.socket.take()
    if (sent.length !== 1) throw new Error(`expected one datagram, IO sent ${sent.length}`)
    const d = sent[0] as SentDatagram
    if (d.host !== m.to.host || d.port !== m.to.port)
      throw new Error('request sent to the wrong address')
    return d.buffer
  }

  /**
   * Real request decoder: `io.onmessage` from `from`; returns the Request the real IO hands to
   * `onrequest`, as keymesh's RpcRequest shape (`id` = the real, validated `from.id`).
   * `acceptToken` is what the IO's token check compares against (see the file comment).
   */
  decodeRequest(
    datagram: Uint8Array,
    from: PeerAddress,
    acceptToken: Uint8Array | null
  ): RpcRequest | RealRejection {
    this.steer(null, acceptToken)
    this.received = null
    this.socket.take()
    this.io.onmessage(this.socket, datagram, { host: from.host, port: from.port })
    const req = this.received as RealRequest | null
    const sent = this.socket.take()
    if (req === null) return sent.length > 0 ? 'invalid-token' : 'dropped'
    return {
      tid: req.tid,
      to: view(req.to),
      id: (req.from?.id as Buffer | null | undefined) ?? null,
      token: req.token,
      internal: req.internal,
      command: req.command,
      target: req.target,
      value: req.value
    }
  }

  /**
   * Real response encoder: a real Request's `sendReply(error, value, token, hasCloserNodes)`
   * to `m.to`; closerNodes come from the fake table, the token from the steered `io.token`.
   * The replying request has a target, since IO only sends closerNodes for requests with one.
   */
  encodeResponse(m: RpcResponse<Uint8Array>): Buffer {
    this.steer(m.id, m.token)
    const nodes = m.closerNodes ?? []
    this.table.closest = () => nodes
    const req = new this.Request(
      this.io,
      this.socket,
      m.tid,
      view(m.to),
      { host: '127.0.0.1', port: 1 },
      null,
      false,
      0,
      ZERO32,
      null,
      null,
      0
    )
    this.socket.take()
    req.sendReply(m.error, m.value, m.token !== null, true)
    const sent = this.socket.take()
    if (sent.length !== 1) throw new Error(`expected one datagram, IO sent ${sent.length}`)
    const d = sent[0] as SentDatagram
    if (d.host !== m.to.host || d.port !== m.to.port)
      throw new Error('reply sent to the wrong address')
    return d.buffer
  }

  /**
   * Real response decoder: `io.onmessage` from `from` with a fake in-flight request of tid
   * `tid`; returns what the real IO passes to `onresponse`, in keymesh's RpcResponse shape.
   */
  decodeResponse(
    datagram: Uint8Array,
    from: PeerAddress,
    tid: number
  ): RpcResponse | RealRejection {
    this.responded = null
    this.io.inflight.length = 0
    this.io.inflight.push(fakeInflight(tid, from))
    this.io.onmessage(this.socket, datagram, { host: from.host, port: from.port })
    this.io.inflight.length = 0
    const res = this.responded as RealResponse | null
    if (res === null) return 'dropped'
    return {
      tid: res.tid,
      to: view(res.to),
      id: (res.from.id as Buffer | null) ?? null,
      token: res.token,
      closerNodes: res.closerNodes === null ? null : res.closerNodes.map(view),
      error: res.error,
      value: res.value
    }
  }

  // ---- tight-loop entry points for benchmarks ----------------------------------------------

  /**
   * The real request encoder without the send machinery: a prepared Request's
   * `_encodeRequest(token, value, to, socket)`, the function `Request#send` calls.
   */
  requestEncoder(m: RpcRequest<Uint8Array>): () => Buffer {
    this.steer(m.id, null)
    const req = new this.Request(
      this.io,
      this.socket,
      m.tid,
      null,
      m.to,
      m.token,
      m.internal,
      m.command,
      m.target,
      m.value,
      null,
      0
    )
    const { token, value, to } = m
    const socket = this.socket
    return () => req._encodeRequest(token, value, to, socket)
  }

  /**
   * The real request decoder without the dispatch: `Request.decode(io, socket, from, state)`,
   * the static `IO#onmessage` calls after checking the type byte (fresh `from` as IO makes).
   */
  requestDecoder(from: PeerAddress): (datagram: Uint8Array) => RealRequest | null {
    const { io, socket, Request } = this
    return (datagram) =>
      Request.decode(
        io,
        socket,
        { id: null, host: from.host, port: from.port },
        { start: 1, end: datagram.byteLength, buffer: datagram }
      )
  }

  /**
   * The real response encoder: a prepared Request's `sendReply(...)`, datagram taken from the
   * fake socket's `last` (the harness stops recording copies: use a dedicated instance).
   * `io.token` returns the fixed token instead of hashing the address with a secret, so only
   * encoding is measured.
   */
  responseEncoder(m: RpcResponse<Uint8Array>): () => Buffer {
    this.steer(m.id, m.token)
    const nodes = m.closerNodes ?? []
    this.table.closest = () => nodes
    const req = new this.Request(
      this.io,
      this.socket,
      m.tid,
      view(m.to),
      { host: '127.0.0.1', port: 1 },
      null,
      false,
      0,
      ZERO32,
      null,
      null,
      0
    )
    const { error, value } = m
    const hasToken = m.token !== null
    const socket = this.socket
    socket.record = false // this harness instance is now dedicated to the loop
    return () => {
      req.sendReply(error, value, hasToken, true)
      return socket.last as Buffer
    }
  }

  /**
   * The real response decoder: `IO#onmessage` with a fake in-flight request re-armed per call
   * (decodeReply is module-private; onmessage is its only caller).
   */
  responseDecoder(from: PeerAddress, tid: number): (datagram: Uint8Array) => RealResponse | null {
    const { io, socket } = this
    const at = { host: from.host, port: from.port }
    const inflight = fakeInflight(tid, from)
    return (datagram) => {
      this.responded = null
      io.inflight.push(inflight)
      io.onmessage(socket, datagram, at)
      if (io.inflight.length > 0) io.inflight.length = 0
      return this.responded
    }
  }
}

function fakeInflight(tid: number, to: PeerAddress): FakeInflight {
  return {
    tid,
    _timestamp: Date.now(),
    to,
    sent: 3, // > 2: keeps IO from feeding the (absent) adaptive timeout
    session: null,
    _timeout: null,
    internal: false,
    command: 0,
    onresponse() {}
  }
}
