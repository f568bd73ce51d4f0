// The timed operations: each op kind, the records it writes or reads, and what counts as a hit.

import { randomBytes } from 'node:crypto'
import type { BenchNode, Impl, KeyPair } from './impl.js'

/** Every operation the benchmark times. `churn_*` use their own record pool (see churn). */
export const OP_NAMES = [
  'mutable_put',
  'mutable_get',
  'immutable_put',
  'immutable_get',
  'announce',
  'lookup',
  'churn_put',
  'churn_get'
] as const

/** One operation kind. */
export type OpName = (typeof OP_NAMES)[number]

/** Bytes of each stored value: a small record, well under both packages' size limits. */
export const VALUE_BYTES = 128

/** One timed call; resolves true on a hit (a put that resolved, a get that found the value). */
export type Op = () => Promise<boolean>

interface MutableRecord {
  keyPair: KeyPair
  value: Buffer
}

interface ImmutableRecord {
  hash: Buffer
  value: Buffer
}

interface Announced {
  topic: Buffer
  keyPair: KeyPair
}

/** A record pool: puts append, gets read round-robin from where the last get stopped. */
class Pool<T> {
  private readonly items: T[] = []
  private cursor = 0

  add(item: T): void {
    this.items.push(item)
  }

  get size(): number {
    return this.items.length
  }

  /** The next `count` items, wrapping around; the pool must not be empty. */
  take(count: number): T[] {
    if (this.items.length === 0) throw new Error('no records to read: run the put op first')
    const out: T[] = []
    for (let i = 0; i < count; i++) {
      out.push(this.items[this.cursor % this.items.length] as T)
      this.cursor++
    }
    return out
  }
}

/**
 * Builds batches of ops for one testnet. Puts and announces go out from `writer`, gets and
 * lookups from `reader` (a second ephemeral node), so reads never start from the writer's cache.
 * Inputs (keys, values, signatures' key pairs) are made before the batch, outside the timing.
 */
export class Workload {
  private readonly mutable = new Pool<MutableRecord>()
  private readonly churn = new Pool<MutableRecord>()
  private readonly immutable = new Pool<ImmutableRecord>()
  private readonly topics = new Pool<Announced>()

  constructor(
    private readonly impl: Impl,
    private readonly writer: BenchNode,
    private readonly reader: BenchNode
  ) {}

  /** `count` ready-to-run ops of kind `op`. */
  prepare(op: OpName, count: number): Op[] {
    switch (op) {
      case 'mutable_put':
        return this.mutablePuts(this.mutable, count)
      case 'churn_put':
        return this.mutablePuts(this.churn, count)
      case 'mutable_get':
        return this.mutableGets(this.mutable, count)
      case 'churn_get':
        return this.mutableGets(this.churn, count)
      case 'immutable_put':
        return this.immutablePuts(count)
      case 'immutable_get':
        return this.immutableGets(count)
      case 'announce':
        return this.announces(count)
      case 'lookup':
        return this.lookups(count)
    }
  }

  private mutablePuts(pool: Pool<MutableRecord>, count: number): Op[] {
    return times(count, () => {
      const record = { keyPair: this.impl.keyPair(), value: randomBytes(VALUE_BYTES) }
      return async () => {
        await this.writer.mutablePut(record.keyPair, record.value, { seq: 0 })
        pool.add(record)
        return true
      }
    })
  }

  private mutableGets(pool: Pool<MutableRecord>, count: number): Op[] {
    return pool.take(count).map((record) => async () => {
      // hyperdht's defaults: the whole query, the highest seq
      const got = await this.reader.mutableGet(record.keyPair.publicKey, { seq: 0, latest: true })
      return got !== null && got.value.equals(record.value)
    })
  }

  private immutablePuts(count: number): Op[] {
    return times(count, () => {
      const value = randomBytes(VALUE_BYTES)
      return async () => {
        const { hash } = await this.writer.immutablePut(value)
        this.immutable.add({ hash, value })
        return true
      }
    })
  }

  private immutableGets(count: number): Op[] {
    return this.immutable.take(count).map((record) => async () => {
      const got = await this.reader.immutableGet(record.hash)
      return got !== null && got.value.equals(record.value)
    })
  }

  private announces(count: number): Op[] {
    return times(count, () => {
      const announced = { topic: randomBytes(32), keyPair: this.impl.keyPair() }
      return async () => {
        await this.writer.announce(announced.topic, announced.keyPair, []).finished()
        this.topics.add(announced)
        return true
      }
    })
  }

  private lookups(count: number): Op[] {
    return this.topics.take(count).map((announced) => async () => {
      // the whole lookup is timed; a hit is any reply listing the announced key
      let hit = false
      for await (const reply of this.reader.lookup(announced.topic)) {
        if (reply === null || hit) continue
        hit = reply.peers.some((p) => p.publicKey.equals(announced.keyPair.publicKey))
      }
      return hit
    })
  }
}

function times<T>(count: number, make: () => T): T[] {
  return Array.from({ length: count }, make)
}
