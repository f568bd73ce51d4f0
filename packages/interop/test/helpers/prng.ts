// A seeded PRNG (splitmix32 state, xorshift-multiply output) so every random choice in the tests
// reproduces from the seed printed with the results.

export class Prng {
  private state: number

  constructor(readonly seed: number) {
    this.state = seed >>> 0
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }

  pick<V>(list: readonly V[]): V {
    if (list.length === 0) throw new Error('pick from an empty list')
    return list[this.int(list.length)] as V
  }
}

/** The seed: FUZZ_SEED / TEST_SEED from the environment, else a fixed default. */
export function seedFrom(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const seed = Number(raw)
  if (!Number.isInteger(seed)) throw new Error(`${name} must be an integer, got ${raw}`)
  return seed >>> 0
}
