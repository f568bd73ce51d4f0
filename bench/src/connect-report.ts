// Turning passes of timed connects into report metrics: latency quantiles and datagrams per connect.

import type { ConnectPass, WindowCount } from './connect-worker.js'
import type { ImplName } from './impl.js'
import type { Report } from './report.js'
import { quantile } from './stats.js'
import type { IdleRate } from './summary.js'

/** An idle window as a background rate (every datagram, from the UDX counters). */
export function idleRate(window: WindowCount): IdleRate {
  const ms = Math.max(1, window.ms)
  return {
    datagramsPerMs: window.udx.datagrams / ms,
    bytesPerMs: window.udx.bytes / ms,
    kindsPerMs: {}
  }
}

/** Add `prefix`'s figures for `impl` from `passes`, subtracting `idle` traffic over their wall time. */
export function reportConnects(
  report: Report,
  prefix: string,
  impl: ImplName,
  passes: readonly ConnectPass[],
  idle: IdleRate
): void {
  const open = passes.flatMap((p) => p.openMs)
  const firstByte = passes.flatMap((p) => p.firstByteMs)
  const samples = open.length
  for (const [what, values] of [
    ['open', open],
    ['first_byte', firstByte]
  ] as const) {
    for (const [q, at] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99]
    ] as const) {
      report.set(`${prefix}_${what}_${q}_ms`, impl, quantile(values, at), {
        unit: 'ms',
        better: 'lower',
        samples
      })
    }
  }

  let attempts = 0
  let failures = 0
  let wallMs = 0
  let datagrams = 0
  let bytes = 0
  let dhtDatagrams = 0
  let cpuMs = 0
  let streamPackets = 0
  const kinds: Record<string, number> = {}
  for (const p of passes) {
    attempts += p.openMs.length + p.failures
    failures += p.failures
    wallMs += p.ms
    datagrams += p.udx.datagrams
    cpuMs += p.cpuMs
    bytes += p.udx.bytes
    dhtDatagrams += p.dht.datagrams
    streamPackets += p.udx.streamPackets
    for (const [kind, n] of Object.entries(p.dht.byKind)) kinds[kind] = (kinds[kind] ?? 0) + n
  }
  const per = (n: number): number => (attempts > 0 ? n / attempts : NaN)
  report.set(`${prefix}_failures`, impl, failures, { unit: 'connects', better: 'lower', samples })
  report.set(`${prefix}_cpu_ms_per_connect`, impl, per(cpuMs), {
    unit: 'CPU ms (whole testnet, one process)',
    better: 'lower',
    samples
  })
  report.set(
    `${prefix}_datagrams_per_connect`,
    impl,
    per(Math.max(0, datagrams - idle.datagramsPerMs * wallMs)),
    { unit: 'datagrams (whole testnet)', better: 'lower', samples }
  )
  report.set(
    `${prefix}_bytes_per_connect`,
    impl,
    per(Math.max(0, bytes - idle.bytesPerMs * wallMs)),
    {
      unit: 'bytes (whole testnet)',
      better: 'lower',
      samples
    }
  )
  // by kind, without background subtraction: DHT messages, UDX stream packets, anything else
  kinds['udx_stream'] = streamPackets
  kinds['other'] = datagrams - dhtDatagrams - streamPackets
  report.setTraffic(
    prefix,
    impl,
    Object.fromEntries(
      Object.entries(kinds)
        .sort(([, a], [, b]) => b - a)
        .map(([kind, n]) => [kind, per(n)])
    )
  )
}
