// Public surface of @keymesh/dht-rpc: the DHT class (default export, like dht-rpc) and its parts.

import { DHT } from './dht.js'

export default DHT
export { DHT }
export type { DHTOptions, DHTStats, DHTConfig, RateLimitOptions, RttStats } from './dht.js'
export { DEFAULTS } from './constants.js'
export type { DHTDefaults } from './constants.js'
export { DHTError, DHT_ERROR_CODES } from './errors.js'
export type { DHTErrorCode } from './errors.js'
export type { DHTEvents } from './events.js'
export { Query } from './query.js'
export type { QueryOptions, QueryInput, QueryHost, QuerySession, CommitFunction } from './query.js'
export { Session } from './session.js'
export type { RequestOptions, RequestInput, SessionHost } from './session.js'
export { Request } from './request.js'
export type {
  Reply,
  ReplyOptions,
  ErrorReplyOptions,
  RelayOptions,
  RequestGroup
} from './request.js'
export type {
  IO,
  IOOptions,
  IOStats,
  IOTable,
  RequestStats,
  CommandStats,
  DroppedStats
} from './io.js'
export type { RoutingTable, Row, RoutingTableOptions, RejectReason } from './routing-table.js'
export type { NodeList, NodeListArrayOptions } from './node-list.js'
export type { IpDiversityOptions } from './ip-diversity.js'
export type { NatSampler } from './nat-sampler.js'
export type { NetworkHealth, HealthState, HealthStats } from './health.js'
export type { CongestionWindow } from './congestion-window.js'
export type { AdaptiveTimeoutOptions } from './adaptive-timeout.js'
export type { BootstrapNode } from './bootstrap.js'
export type { HostPort, Peer, IdentifiedPeer, DHTNode } from './peer.js'
