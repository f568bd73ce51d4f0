// Public surface of @keymesh/wire: every wire message as a typed codec.

export { WireError, WIRE_ERROR_CODES, WIRE_ERROR_REASONS } from './errors.js'
export type { WireErrorCode, WireErrorReason } from './errors.js'

export { encode, decode, tryDecode, encodingLength, asBuffer } from './codec.js'
export type { Codec, State, Decoded, EncodeInput } from './codec.js'

export {
  MAX_UINT,
  uint,
  uint16,
  uint24,
  uint32,
  fixed,
  fixed32,
  fixed64,
  buffer,
  optionalBuffer,
  string,
  raw,
  array,
  readFlags
} from './primitives.js'

export {
  ipv4,
  ipv4Address,
  ipv4AddressArray,
  ipv6Address,
  isIpv4,
  writeIpv4,
  writeIpv6
} from './address.js'
export type { PeerAddress } from './address.js'

export {
  RPC_VERSION,
  RPC_REQUEST_TYPE,
  RPC_RESPONSE_TYPE,
  MAX_DATAGRAM_BYTES,
  K,
  REQUEST_FLAGS,
  RESPONSE_FLAGS,
  INTERNAL_COMMANDS,
  COMMANDS,
  WIRE_ERRORS,
  PAYLOAD_ERRORS,
  FIREWALL,
  MODES,
  NOISE_PAYLOAD_VERSION,
  MAX_NOISE_MESSAGE_BYTES,
  SECRET_STREAM_HEADER_BYTES,
  MAX_SECRET_STREAM_FRAME_BYTES,
  BLIND_RELAY_PROTOCOL,
  BLIND_RELAY_MESSAGES,
  MAX_ADDRESSES
} from './constants.js'

export {
  rpcRequest,
  rpcResponse,
  classifyDatagram,
  pingNatValue,
  downHintValue,
  delayedPingValue
} from './dht-rpc.js'
export type { RpcRequest, RpcResponse, DatagramKind } from './dht-rpc.js'

export {
  handshake,
  holepunch,
  peer,
  lookupRawReply,
  announce,
  mutableSignable,
  mutablePutRequest,
  mutableGetResponse,
  mutableGetRequest,
  pluginRequest
} from './hyperdht.js'
export type {
  Handshake,
  Holepunch,
  Peer,
  LookupRawReply,
  LookupReply,
  Announce,
  MutableSignable,
  MutablePutRequest,
  MutableGetResponse,
  PluginRequest
} from './hyperdht.js'

export { hyperdhtAddress } from './hyperdht-address.js'
export type { HyperdhtAddress } from './hyperdht-address.js'

export {
  noisePayload,
  holepunchInfo,
  udxInfo,
  secretStreamInfo,
  relayThroughInfo
} from './noise-payload.js'
export type {
  NoisePayload,
  HolepunchInfo,
  RelayInfo,
  UdxInfo,
  SecretStreamInfo,
  RelayThroughInfo
} from './noise-payload.js'

export {
  holepunchPayload,
  sealedPayload,
  SECRETBOX_NONCE_BYTES,
  SECRETBOX_MAC_BYTES
} from './holepunch.js'
export type { HolepunchPayload, SealedPayload } from './holepunch.js'

export {
  secretStreamFrame,
  secretStreamHeader,
  secretStreamMessage,
  unorderedMessage,
  peekFrameLength,
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADER_BYTES,
  FRAME_PREFIX_BYTES
} from './secret-stream.js'
export type { SecretStreamHeader, UnorderedMessage } from './secret-stream.js'

export {
  protomuxFrame,
  PROTOMUX_CONTROL,
  MAX_PROTOCOL_NAME_BYTES,
  MAX_CHANNEL_ID_BYTES,
  MAX_BATCH_MESSAGES
} from './protomux.js'
export type { ProtomuxFrame, ProtomuxMessage } from './protomux.js'

export { pair, unpair, bitfield7 } from './blind-relay.js'
export type { Pair, Unpair } from './blind-relay.js'

export {
  KEYMESH_COMMAND_BASE,
  KEYMESH_COMMANDS,
  KEYMESH_WIRE_ERRORS,
  WATCH_KINDS,
  WATCH_ID_BYTES,
  MAX_NAMED_KEY_BYTES,
  MAX_NOTIFY_PEERS,
  watchRequest,
  watchReply,
  unwatchRequest,
  notifyMessage,
  namedSignable,
  namedRecord
} from './keymesh-extensions.js'
export type {
  WatchRequest,
  NotifyMessage,
  NamedSignable,
  NamedRecord
} from './keymesh-extensions.js'
