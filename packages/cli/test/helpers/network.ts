// An in-process testnet on 127.0.0.1 for the CLI to join, torn down after the test.

import createTestnet from '@keymesh/hyperdht/testnet'
import type { TestInstance } from './brittle.js'

/** Nodes in each test's network: enough for records and connections, cheap on 2 cores. */
const SIZE = 4

/** Start a testnet and return its `--bootstrap` value (`127.0.0.1:port`). */
export async function localNetwork(t: TestInstance, size = SIZE): Promise<string> {
  const testnet = await createTestnet(size, t)
  const first = testnet.bootstrap[0]
  if (first === undefined) throw new Error('testnet without bootstrap')
  return `${first.host}:${first.port}`
}
