// Public surface of @keymesh/holepunch: NAT classification, punch strategies, the socket pool, and
// the relay fallback (Protomux and the blind-relay client and server).

export { HolepunchError, HOLEPUNCH_ERROR_CODES } from './errors.js'
export type { HolepunchErrorCode } from './errors.js'

export {
  FIREWALL,
  HOLEPUNCH_TTL,
  DEFAULT_TTL,
  NAT_MIN_SAMPLES,
  NAT_SKIP_THRESHOLD,
  NAT_SKIP_NEWEST,
  MAX_REOPENS,
  CONSISTENT_ROUNDS,
  CONSISTENT_INTERVAL_MS,
  UNVERIFIED_EVERY,
  RANDOM_PINGS,
  RANDOM_INTERVAL_MS,
  RANDOM_PORT_MIN,
  BIRTHDAY_SOCKETS,
  BIRTHDAY_SETTLE_MS,
  LINGER_TIME_MS,
  RANDOM_PUNCH_INTERVAL_MS,
  RANDOM_PUNCH_LIMIT
} from './constants.js'

export type { HostPort } from './host-port.js'
export type { HolepunchTransport, NatSample } from './transport.js'

export { NatAnalyzer } from './nat-analyzer.js'

export { SocketPool, SOCKET_POOL_DEFAULTS } from './socket-pool.js'
export type { SocketPoolOptions } from './socket-pool.js'
export { SocketRef } from './socket-ref.js'
export type { HolepunchMessageHandler } from './socket-ref.js'
export { SocketRoutes } from './socket-routes.js'
export type { RouteStream, SocketRoute } from './socket-routes.js'

export { RandomPunchLimiter, RANDOM_PUNCH_LIMITER_DEFAULTS } from './random-punch-limiter.js'
export type { RandomPunchLimiterOptions } from './random-punch-limiter.js'

export { Holepuncher } from './holepuncher.js'
export type { HolepuncherOptions, PunchStats, RemoteAddress, RemoteState } from './holepuncher.js'

export { sendHolepunchPing } from './holepunch-ping.js'
export { localAddresses } from './local-addresses.js'
export { matchAddress } from './match-address.js'
export { SecurePayload } from './secure-payload.js'
export { isBogon, isPrivate, isReserved } from './bogon.js'
export { Sleeper } from './sleeper.js'

export type { FramedStream } from './framed-stream.js'
export { Protomux, PROTOMUX_MAX_CHANNELS, PROTOMUX_MAX_BUFFERED_BYTES } from './protomux.js'
export type { ProtomuxChannelKey, ProtomuxNotify } from './protomux.js'
export { ProtomuxChannel } from './protomux-channel.js'
export type {
  ProtomuxChannelOptions,
  ProtomuxMessageOptions,
  ProtomuxMessageType
} from './protomux-channel.js'

export { BlindRelayClient } from './blind-relay-client.js'
export type { BlindRelayClientEvents, BlindRelayClientOptions } from './blind-relay-client.js'
export { BlindRelayRequest } from './blind-relay-request.js'
export type { BlindRelayRequestEvents, PairableStream } from './blind-relay-request.js'
export { BlindRelayServer, BLIND_RELAY_SERVER_DEFAULTS } from './blind-relay-server.js'
export type { BlindRelayServerOptions } from './blind-relay-server.js'
export { BlindRelaySession } from './blind-relay-session.js'
export type { BlindRelaySessionEvents, BlindRelaySessionOptions } from './blind-relay-session.js'
export type { BlindRelayStats } from './blind-relay-stats.js'
export type { RelayPath, RelayStream, RelayStreamOptions } from './relay-stream.js'
export { relayToken, RELAY_TOKEN_BYTES } from './relay-token.js'
