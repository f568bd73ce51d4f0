// RawStreamSet: the node's UDX streams, with random ids whose low bits never collide (§8.1).

import type UDX from 'udx-native'

// udx looks streams up by the low bits of the id; start with udx's default 16-slot table
const INITIAL_MASK = 15

/**
 * Allocates UDX streams for connections. Ids are random 32-bit numbers, re-rolled until their
 * masked low bits are free; the mask doubles whenever half of it is in use, so a roll is free at
 * least half of the time.
 */
export class RawStreamSet {
  private readonly udx: UDX
  private mask = INITIAL_MASK
  private streams = new Map<number, UDX.Stream>()

  constructor(udx: UDX) {
    this.udx = udx
  }

  /** Live streams. */
  get size(): number {
    return this.streams.size
  }

  [Symbol.iterator](): IterableIterator<UDX.Stream> {
    return this.streams.values()
  }

  /** A new stream with a fresh id; it leaves the set when it closes. */
  add(opts: UDX.StreamOptions = {}): UDX.Stream {
    let id = 0
    do id = (Math.random() * 0x100000000) >>> 0
    while (this.streams.has(id & this.mask))

    if (2 * this.streams.size >= this.mask) {
      this.mask = 2 * this.mask + 1
      const rekeyed = new Map<number, UDX.Stream>()
      for (const stream of this.streams.values()) rekeyed.set(stream.id & this.mask, stream)
      this.streams = rekeyed
    }

    const stream = this.udx.createStream(id, opts)
    this.streams.set(id & this.mask, stream)
    stream.on('close', () => {
      if (this.streams.get(id & this.mask) === stream) this.streams.delete(id & this.mask)
    })
    return stream
  }

  /** Destroy every stream and wait for them to close. */
  async clear(): Promise<void> {
    const closing: Promise<void>[] = []
    for (const stream of this.streams.values()) {
      closing.push(new Promise((resolve) => stream.once('close', () => resolve()).destroy()))
    }
    await Promise.allSettled(closing)
  }
}
