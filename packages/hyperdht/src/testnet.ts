// A local HyperDHT network of N nodes in one process, with hyperdht's testnet.js shape.

import { Testnet as RpcTestnet, createTestnetOf } from '@keymesh/dht-rpc/testnet'
import type {
  HasTeardown,
  Teardown,
  TestnetOptions as RpcTestnetOptions
} from '@keymesh/dht-rpc/testnet'
import { HyperDHT } from './hyperdht.js'
import type { HyperDHTOptions } from './options.js'

/** Options of {@link createTestnet}: hyperdht's (`host`, `port`, `bootstrap`, `teardown`) and `nodeOptions`. */
export type TestnetOptions = RpcTestnetOptions<HyperDHTOptions>

/** N running HyperDHT nodes; the first is the others' bootstrap. Iterable over `nodes`. */
export class Testnet extends RpcTestnet<HyperDHT, HyperDHTOptions> {
  /** Close every node's servers first (so unannounces still find the network), then destroy. */
  override async destroy(): Promise<void> {
    for (const node of this.nodes) {
      for (const server of node.listening) await server.close()
    }
    await super.destroy()
  }
}

/**
 * Start `size` persistent, unfirewalled HyperDHT nodes on 127.0.0.1. As in hyperdht, the first
 * node gets port `opts.port`, and 0 means hyperdht's default (49737, or the next free one).
 * `opts` may be a teardown function or a brittle test.
 */
export async function createTestnet(
  size = 10,
  opts: TestnetOptions | Teardown | HasTeardown = {}
): Promise<Testnet> {
  return createTestnetOf(
    HyperDHT,
    size,
    opts,
    (nodes, bootstrap, host) => new Testnet(nodes, bootstrap, host, HyperDHT)
  )
}

export default createTestnet
export type { HasTeardown, Teardown }
