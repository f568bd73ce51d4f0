// Protomux frames, the channel layer that carries blind-relay messages (docs/wire-protocol.md §9).

import type { Codec, State } from './codec.js'
import { WireError } from './errors.js'
import { bytesOf, need, optionalBuffer, string, uint } from './primitives.js'

/** Longest protocol name accepted in an open frame (names are short ASCII, e.g. "blind-relay"). */
export const MAX_PROTOCOL_NAME_BYTES = 256
/** Longest channel id accepted in an open frame (ids are usually 32-byte keys). */
export const MAX_CHANNEL_ID_BYTES = 256
/** Most messages accepted in one batch frame. */
export const MAX_BATCH_MESSAGES = 1024

/** Control-session frame types (channel 0). */
export const PROTOMUX_CONTROL = Object.freeze({ BATCH: 0, OPEN: 1, REJECT: 2, CLOSE: 3 })

/** One channel message: the channel's id on the sender's side, its type and its body. */
export interface ProtomuxMessage<B extends Uint8Array = Buffer> {
  channel: number
  type: number
  message: B
}

/** A decoded protomux frame (each frame is one message of the underlying stream). */
export type ProtomuxFrame<B extends Uint8Array = Buffer> =
  | { kind: 'open'; channel: number; protocol: string; id: B | null; handshake: B | null }
  | { kind: 'reject'; channel: number }
  | { kind: 'close'; channel: number }
  | { kind: 'batch'; messages: ProtomuxMessage<B>[] }
  | ({ kind: 'message' } & ProtomuxMessage<B>)

const protocolName = string(MAX_PROTOCOL_NAME_BYTES, 'protocol')
const channelId = optionalBuffer(MAX_CHANNEL_ID_BYTES, 'id')

function rest(state: State): Buffer {
  const out = bytesOf(state).subarray(state.start, state.end)
  state.start = state.end
  return out
}

function preencodeMessage(state: State, m: ProtomuxMessage<Uint8Array>): void {
  uint.preencode(state, m.type)
  state.end += m.message.byteLength
}

function encodeMessage(state: State, m: ProtomuxMessage<Uint8Array>): void {
  uint.encode(state, m.type)
  bytesOf(state).set(m.message, state.start)
  state.start += m.message.byteLength
}

/** Length of a batch item: its type uint plus its body. */
function itemLength(m: ProtomuxMessage<Uint8Array>): number {
  const s: State = { start: 0, end: 0, buffer: null }
  preencodeMessage(s, m)
  return s.end
}

/** Protomux frame codec (§9 frame guide). */
export const protomuxFrame: Codec<ProtomuxFrame<Uint8Array>, ProtomuxFrame> = {
  name: 'protomuxFrame',
  preencode(state, f) {
    switch (f.kind) {
      case 'open':
        state.end += 2
        uint.preencode(state, f.channel)
        protocolName.preencode(state, f.protocol)
        channelId.preencode(state, f.id)
        if (f.handshake) state.end += f.handshake.byteLength
        return
      case 'reject':
      case 'close':
        state.end += 2
        uint.preencode(state, f.channel)
        return
      case 'batch': {
        if (f.messages.length === 0 || f.messages.length > MAX_BATCH_MESSAGES) {
          throw WireError.encode('protomuxFrame', 'a batch holds 1 to 1024 messages')
        }
        state.end += 2
        let current = -1
        for (const m of f.messages) {
          if (m.channel !== current) {
            if (current !== -1) state.end++ // the 0 that switches channel
            uint.preencode(state, m.channel)
            current = m.channel
          }
          const len = itemLength(m)
          uint.preencode(state, len)
          state.end += len
        }
        return
      }
      case 'message':
        uint.preencode(state, f.channel)
        preencodeMessage(state, f)
    }
  },
  encode(state, f) {
    switch (f.kind) {
      case 'open':
        uint.encode(state, 0)
        uint.encode(state, PROTOMUX_CONTROL.OPEN)
        uint.encode(state, f.channel)
        protocolName.encode(state, f.protocol)
        channelId.encode(state, f.id)
        if (f.handshake) {
          bytesOf(state).set(f.handshake, state.start)
          state.start += f.handshake.byteLength
        }
        return
      case 'reject':
      case 'close':
        uint.encode(state, 0)
        uint.encode(state, f.kind === 'reject' ? PROTOMUX_CONTROL.REJECT : PROTOMUX_CONTROL.CLOSE)
        uint.encode(state, f.channel)
        return
      case 'batch': {
        uint.encode(state, 0)
        uint.encode(state, PROTOMUX_CONTROL.BATCH)
        let current = -1
        for (const m of f.messages) {
          if (m.channel !== current) {
            if (current !== -1) uint.encode(state, 0)
            uint.encode(state, m.channel)
            current = m.channel
          }
          uint.encode(state, itemLength(m))
          encodeMessage(state, m)
        }
        return
      }
      case 'message':
        uint.encode(state, f.channel)
        encodeMessage(state, f)
    }
  },
  decode(state) {
    need(state, 1, 'protomuxFrame')
    const channel = uint.decode(state)
    const type = uint.decode(state)
    if (channel !== 0) return { kind: 'message', channel, type, message: rest(state) }
    switch (type) {
      case PROTOMUX_CONTROL.OPEN: {
        const ch = uint.decode(state)
        const protocol = protocolName.decode(state)
        const id = channelId.decode(state)
        const handshake = state.start < state.end ? rest(state) : null
        return { kind: 'open', channel: ch, protocol, id, handshake }
      }
      case PROTOMUX_CONTROL.REJECT:
        return { kind: 'reject', channel: uint.decode(state) }
      case PROTOMUX_CONTROL.CLOSE:
        return { kind: 'close', channel: uint.decode(state) }
      case PROTOMUX_CONTROL.BATCH:
        return { kind: 'batch', messages: decodeBatch(state) }
      default:
        throw WireError.decode(
          'INVALID_VALUE',
          'protomuxFrame',
          state.start,
          `control type ${type}`
        )
    }
  }
}

function decodeBatch(state: State): ProtomuxMessage[] {
  const messages: ProtomuxMessage[] = []
  let channel = uint.decode(state)
  while (state.start < state.end) {
    const at = state.start
    const len = uint.decode(state)
    if (len === 0) {
      channel = uint.decode(state)
      continue
    }
    if (len > state.end - state.start) {
      throw WireError.decode('TRUNCATED', 'protomuxBatch', at, 'batch item overruns the frame')
    }
    if (messages.length === MAX_BATCH_MESSAGES) {
      throw WireError.decode('OVERSIZED', 'protomuxBatch', at, 'too many batch items')
    }
    const end = state.start + len
    const item: State = { start: state.start, end, buffer: state.buffer }
    const type = uint.decode(item)
    messages.push({ channel, type, message: bytesOf(item).subarray(item.start, end) })
    state.start = end
  }
  if (messages.length === 0) {
    throw WireError.decode('INVALID_VALUE', 'protomuxBatch', state.start, 'empty batch')
  }
  return messages
}
