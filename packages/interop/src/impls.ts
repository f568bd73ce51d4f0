// The impls table: `keymesh` is @keymesh/dht-rpc (a normal ESM import), `real` is the npm
// dht-rpc 6.27.0 (CommonJS, loaded with createRequire). With INTEROP_SANITY=1 the real package
// plays both roles, which checks the suite itself (real-vs-real) independently of keymesh.

import { createRequire } from 'node:module'
import KeymeshDHTClass from '@keymesh/dht-rpc'
import type { DHTClass, ImplName, Impls } from './api.js'

const requireHere = createRequire(import.meta.url)

/** The npm dht-rpc class. */
export const RealDHT = requireHere('dht-rpc') as DHTClass

/**
 * @keymesh/dht-rpc's class, seen through dht-rpc's API. The cast keeps a typing difference from
 * stopping the whole suite; the tests check the behaviour (and the API surface) at run time.
 */
export const KeymeshDHT = KeymeshDHTClass as unknown as DHTClass

/** True when INTEROP_SANITY=1: the real package plays the keymesh role too. */
export const SANITY = process.env['INTEROP_SANITY'] === '1'

/** The table every test and the benchmark are parametrised by. */
export const impls: Impls = Object.freeze({
  keymesh: SANITY ? RealDHT : KeymeshDHT,
  real: RealDHT
})

/** A short label for logs: `keymesh` becomes `keymesh(real)` in sanity mode. */
export function label(impl: ImplName): string {
  return impl === 'keymesh' && SANITY ? 'keymesh(real)' : impl
}
