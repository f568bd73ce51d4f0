// Narrow ambient types for the real `hyperdht` 6.33.0 (CommonJS, untyped) and its testnet: only
// what the gateway's interop test calls.

declare module 'hyperdht' {
  interface RealKeyPair {
    publicKey: Buffer
    secretKey: Buffer
  }

  class RealHyperDHT {
    constructor(opts?: { bootstrap?: { host: string; port: number }[]; host?: string })
    static keyPair(seed?: Uint8Array): RealKeyPair
    fullyBootstrapped(): Promise<void>
    mutablePut(keyPair: RealKeyPair, value: Buffer, opts?: { seq?: number }): Promise<unknown>
    destroy(): Promise<void>
  }

  export default RealHyperDHT
}

declare module 'hyperdht/testnet.js' {
  import type RealHyperDHT from 'hyperdht'

  interface RealTestnet {
    nodes: RealHyperDHT[]
    bootstrap: { host: string; port: number }[]
    createNode(opts?: object): RealHyperDHT
    destroy(): Promise<void>
  }

  /** `opts` may be a brittle test: its `teardown` is bound to it. */
  function createTestnet(
    size?: number,
    opts?: { teardown(fn: () => unknown, opts?: { order?: number }): void; host?: string }
  ): Promise<RealTestnet>

  export default createTestnet
}
