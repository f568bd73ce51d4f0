// Protocol numbers, declared once: commands, flag bits, wire error numbers, firewall classes.

/** dht-rpc protocol version, in the low bits of a datagram's first byte (§3.1). */
export const RPC_VERSION = 0b11
/** First byte of a dht-rpc request datagram (type 0, version 3). */
export const RPC_REQUEST_TYPE = 0x03
/** First byte of a dht-rpc response datagram (type 1, version 3). */
export const RPC_RESPONSE_TYPE = 0x13

/**
 * Largest UDP datagram udx-native delivers (§2, measured). Every RPC datagram must fit, which
 * also bounds every field carried inside one.
 */
export const MAX_DATAGRAM_BYTES = 2048

/** Kademlia bucket size; also the most closer nodes and lookup records one reply carries. */
export const K = 20

/** Request flag bits (§3.1). */
export const REQUEST_FLAGS = Object.freeze({
  ID: 0x01,
  TOKEN: 0x02,
  INTERNAL: 0x04,
  TARGET: 0x08,
  VALUE: 0x10
})

/** Response flag bits (§3.1). */
export const RESPONSE_FLAGS = Object.freeze({
  ID: 0x01,
  TOKEN: 0x02,
  CLOSER_NODES: 0x04,
  ERROR: 0x08,
  VALUE: 0x10
})

/** dht-rpc internal commands (request flag INTERNAL set, §3.4). */
export const INTERNAL_COMMANDS = Object.freeze({
  PING: 0,
  PING_NAT: 1,
  FIND_NODE: 2,
  DOWN_HINT: 3,
  DELAYED_PING: 4
})

/** HyperDHT application commands (request flag INTERNAL clear, §4.1). */
export const COMMANDS = Object.freeze({
  PEER_HANDSHAKE: 0,
  PEER_HOLEPUNCH: 1,
  FIND_PEER: 2,
  LOOKUP: 3,
  ANNOUNCE: 4,
  UNANNOUNCE: 5,
  MUTABLE_PUT: 6,
  MUTABLE_GET: 7,
  IMMUTABLE_PUT: 8,
  IMMUTABLE_GET: 9,
  PLUGIN: 10
})

/** Error numbers carried in a response's `error` field (§3.3, §4.1). */
export const WIRE_ERRORS = Object.freeze({
  OK: 0,
  UNKNOWN_COMMAND: 1,
  INVALID_TOKEN: 2,
  SEQ_REUSED: 16,
  SEQ_TOO_LOW: 17
})

/** Error numbers carried inside Noise and holepunch payloads (§4.1). */
export const PAYLOAD_ERRORS = Object.freeze({
  NONE: 0,
  ABORTED: 1,
  VERSION_MISMATCH: 2,
  TRY_LATER: 3
})

/** NAT / firewall classes (§7.1), the same numbers in noise and holepunch payloads. */
export const FIREWALL = Object.freeze({
  UNKNOWN: 0,
  OPEN: 1,
  CONSISTENT: 2,
  RANDOM: 3
})

/** Routing modes of PEER_HANDSHAKE and PEER_HOLEPUNCH messages (§4.3.1). */
export const MODES = Object.freeze({
  FROM_CLIENT: 0,
  FROM_SERVER: 1,
  FROM_RELAY: 2,
  FROM_SECOND_RELAY: 3,
  REPLY: 4
})

/** The only noisePayload version this codec parses beyond the version field (§4.3.3). */
export const NOISE_PAYLOAD_VERSION = 1

/** Largest Noise handshake message (§5.1). */
export const MAX_NOISE_MESSAGE_BYTES = 65535

/** Length of a secret-stream header message body: stream id (32) + secretstream header (24). */
export const SECRET_STREAM_HEADER_BYTES = 56

/** Largest secret-stream frame body: uint24 length (§8.2). */
export const MAX_SECRET_STREAM_FRAME_BYTES = 0xffffff

/** Protocol name of the blind-relay Protomux channel (§9). */
export const BLIND_RELAY_PROTOCOL = 'blind-relay'

/** Blind-relay channel message types (§9). */
export const BLIND_RELAY_MESSAGES = Object.freeze({ PAIR: 0, UNPAIR: 1 })

/**
 * Most entries accepted in an address list (relay addresses, local addresses, holepunch
 * relays). Real senders use at most 3 relays and a few interface addresses; 64 leaves room
 * while keeping every list well inside one datagram.
 */
export const MAX_ADDRESSES = 64
