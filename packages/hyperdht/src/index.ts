// Public surface of @keymesh/hyperdht: the HyperDHT class (default export, like hyperdht) and its parts.

import { HyperDHT } from './hyperdht.js'

export default HyperDHT
export { HyperDHT }
export type {
  AnnounceOptions,
  FindPeerOptions,
  LookupOptions,
  UnannounceOptions
} from './hyperdht.js'
export type { HyperDHTOptions, HyperDHTStats } from './options.js'
export type { ConnectOptions, CreateSecretStream, HolepunchVeto } from './connect.js'
export type { ConnectHost } from './connect-host.js'
export { ConnectionPool, ConnectionRef } from './connection-pool.js'
export { Server } from './server.js'
export type {
  ServerOptions,
  ServerListenOptions,
  ServerEvents,
  ServerAddress,
  ServerFirewall,
  RelayThrough,
  CreateServerSecretStream
} from './server.js'
export { RelayServer } from './relay-server.js'
export type { RelayServerOptions } from './relay-server.js'
export { BOOTSTRAP_NODES, DEFAULTS, DEFAULT_PORT } from './constants.js'
export type { HyperDHTDefaults } from './constants.js'
export {
  HyperDHTError,
  PutRefusedError,
  HYPERDHT_ERROR_CODES,
  HYPERDHT_ERROR_MESSAGES,
  CONNECTION_REFUSED_ERROR
} from './errors.js'
export type { HyperDHTErrorCode, PutRefusal } from './errors.js'
export { MAX_MUTABLE_VALUE_BYTES, MAX_IMMUTABLE_VALUE_BYTES } from './limits.js'
export { defaultSignAnnounce, defaultSignUnannounce } from './announce.js'
export type { AnnounceSigner, AnnounceToSign } from './announce.js'
export { defaultSignMutable } from './mutable-signature.js'
export type { MutableSigner } from './mutable-signature.js'
export type { MutablePutOptions, MutablePutResult, MutableGetOptions } from './mutable.js'
export type { ImmutablePutOptions, ImmutablePutResult, RecordQueryOptions } from './immutable.js'
export { Republisher, REPUBLISH_DEFAULTS } from './republisher.js'
export type { RepublishOptions, RepublisherEvents, RepublisherStats } from './republisher.js'
export type { RepublishedRecord, PublishedJSON } from './published-record.js'
export { STORAGE_VERSION } from './node-storage.js'
export type {
  LookupResult,
  FindPeerResult,
  ImmutableResult,
  MutableResult,
  ReplyInfo
} from './reply-maps.js'
export { DHTError } from '@keymesh/dht-rpc'
export type { KeyPair } from '@keymesh/crypto'
export { Watch, WATCH_DEFAULTS } from './watch.js'
export type {
  WatchTarget,
  WatchOptions,
  WatchEvent,
  WatchMode,
  MutableWatchEvent,
  PeerWatchEvent,
  NamedWatchEvent
} from './watch.js'
export { WATCH_REGISTRY_DEFAULTS } from './watch-registry.js'
export type { WatchRegistryOptions, WatchRegistryStats } from './watch-registry.js'
export type { ExtensionStats } from './extension-commands.js'
export type { NamedStoreStats } from './named-store.js'
export {
  namedTarget,
  signNamed,
  isValidNamed,
  isExpiredNamed,
  namedRecordFits
} from './named-record.js'
export type { NamedRecord, NamedResult, NamedSetOptions, NamedPutResult } from './named-record.js'
export { MAX_NAMED_KEY_BYTES, KEYMESH_COMMANDS, KEYMESH_WIRE_ERRORS } from '@keymesh/wire'
export type { Peer, PeerAddress } from '@keymesh/wire'
