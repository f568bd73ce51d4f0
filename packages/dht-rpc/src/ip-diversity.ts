// Caps routing-table nodes per /24, per bucket and per table, against port-grinding (keymesh extra).

import { isLocal, subnet24 } from './ip.js'

/** Options of the `ipDiversity` DHT option. */
export interface IpDiversityOptions {
  /** Nodes from one /24 allowed in one bucket. @default 2 */
  maxPerBucket?: number
  /** Nodes from one /24 allowed in the whole table. @default 3 */
  maxPerTable?: number
  /**
   * Hosts the caps do not apply to. @default loopback (127/8) and private ranges (10/8,
   * 172.16/12, 192.168/16)
   */
  exempt?: (host: string) => boolean
}

/**
 * Counts table nodes per /24 subnet. Node ids are `H(ip:port)`, so one address that can pick
 * its ports could otherwise fill the buckets around any key; capping nodes per subnet makes
 * that cost many addresses.
 */
export class IpDiversity {
  /** Per-bucket cap. */
  readonly maxPerBucket: number
  /** Per-table cap. */
  readonly maxPerTable: number
  private readonly exempt: (host: string) => boolean
  // made on first use: most tables only ever hold exempt (local) hosts
  private perTable: Map<string, number> | null = null
  private perBucket: Map<string, number> | null = null

  /** @param opts - caps and exemptions, see {@link IpDiversityOptions} */
  constructor(opts: IpDiversityOptions & { maxPerBucket: number; maxPerTable: number }) {
    this.maxPerBucket = opts.maxPerBucket
    this.maxPerTable = opts.maxPerTable
    this.exempt = opts.exempt ?? isLocal
  }

  /** True if a node at `host` may join bucket `row`. */
  allows(host: string, row: number): boolean {
    if (this.exempt(host) || this.perTable === null || this.perBucket === null) return true
    const subnet = subnet24(host)
    if ((this.perTable.get(subnet) ?? 0) >= this.maxPerTable) return false
    return (this.perBucket.get(row + '/' + subnet) ?? 0) < this.maxPerBucket
  }

  /** Count a node at `host` that joined bucket `row`. */
  add(host: string, row: number): void {
    if (this.exempt(host)) return
    const subnet = subnet24(host)
    bump((this.perTable ??= new Map()), subnet, 1)
    bump((this.perBucket ??= new Map()), row + '/' + subnet, 1)
  }

  /** Forget a node at `host` that left bucket `row`. */
  remove(host: string, row: number): void {
    if (this.exempt(host) || this.perTable === null || this.perBucket === null) return
    const subnet = subnet24(host)
    bump(this.perTable, subnet, -1)
    bump(this.perBucket, row + '/' + subnet, -1)
  }

  /** Forget every count. */
  clear(): void {
    this.perTable = null
    this.perBucket = null
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}
