// Names a dht-rpc datagram by its first bytes (wire-protocol.md §3.1): the request's command, or
// "response". Only for counting; anything unexpected is "other".

const REQUEST = 0x03
const RESPONSE = 0x13
const FLAG_ID = 0x01
const FLAG_TOKEN = 0x02
const FLAG_INTERNAL = 0x04
const RESPONSE_FLAG_ERROR = 0x08
/** type/version, flags, tid (2), to (ipv4 address, 6). */
const FIXED_HEADER_BYTES = 10
const ID_BYTES = 32
const TOKEN_BYTES = 32

/** dht-rpc's internal commands (§3.4). */
const INTERNAL = ['ping', 'ping_nat', 'find_node', 'down_hint', 'delayed_ping']

/** hyperdht's application commands (§4.1). */
const APPLICATION = [
  'peer_handshake',
  'peer_holepunch',
  'find_peer',
  'lookup',
  'announce',
  'unannounce',
  'mutable_put',
  'mutable_get',
  'immutable_put',
  'immutable_get',
  'plugin'
]

/** A datagram's kind and, for requests, its tid (retransmissions repeat it). */
export interface DatagramKind {
  kind: string
  tid: number | null
}

/** e.g. `{kind: 'req:find_node', tid: 4711}` or `{kind: 'res', tid: null}`. */
export function datagramKind(buf: Uint8Array): DatagramKind {
  const type = buf[0]
  const flags = buf[1]
  if (buf.length < FIXED_HEADER_BYTES || flags === undefined || flags >= 0xfd) {
    return { kind: 'other', tid: null }
  }
  if (type === RESPONSE) {
    return { kind: flags & RESPONSE_FLAG_ERROR ? 'res:error' : 'res', tid: null }
  }
  if (type !== REQUEST) return { kind: 'other', tid: null }
  const at =
    FIXED_HEADER_BYTES + (flags & FLAG_ID ? ID_BYTES : 0) + (flags & FLAG_TOKEN ? TOKEN_BYTES : 0)
  const command = buf[at]
  const names = flags & FLAG_INTERNAL ? INTERNAL : APPLICATION
  const name = command === undefined ? undefined : names[command]
  const tid = (buf[2] as number) | ((buf[3] as number) << 8)
  return { kind: `req:${name ?? `unknown_${command ?? '?'}`}`, tid }
}
