// The dht-rpc public API the suite is written against, taken from the ambient types of the real
// module (src/types/dht-rpc.d.ts). Every implementation is driven through these types only.

import type DHT from 'dht-rpc'

/** A dht-rpc class: `new DHT(opts)`, `DHT.bootstrapper(...)`, the error-code statics. */
export type DHTClass = typeof DHT
/** One node of either implementation. */
export type DHTNode = DHT
export type HostPort = DHT.HostPort
export type Peer = DHT.Peer
export type Reply = DHT.Reply
export type IncomingRequest = DHT.Request
export type Query = DHT.Query
export type QueryOptions = DHT.QueryOptions
export type NodeOptions = DHT.Options
export type Session = DHT.Session
export type Stats = DHT.Stats

/** The two implementations under test. */
export type ImplName = 'keymesh' | 'real'
export const IMPL_NAMES: readonly ImplName[] = ['keymesh', 'real']

/** Which class plays which role; tests and the benchmark take one of these. */
export type Impls = Readonly<Record<ImplName, DHTClass>>

export const LOCALHOST = '127.0.0.1'
