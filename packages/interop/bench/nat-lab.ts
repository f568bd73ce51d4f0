// Benchmark: connecting through real NATs (the NAT lab, scripts/nat-lab.sh), @keymesh/hyperdht
// beside the real hyperdht 6.33.0 in the same lab run. For every client NAT × server NAT pair over
// {open, consistent, firewall, random} the two sites are created fresh, then TRIALS trials per
// implementation run interleaved (ABBA), each with a fresh server and a fresh client process of
// that implementation (keymesh → keymesh, hyperdht → hyperdht) on the lab's keymesh DHT. Fresh
// nodes are never throttled by hyperdht's random-punch interval, so no option is changed.
//
// Output: one JSON line per figure ({bench, combo, impl, name, value, unit, n}): success rate,
// connect() → open and connect() → first echoed byte (p50, p95, over successes), time to failure
// (p50, over failures); then a markdown table with keymesh beside hyperdht. Progress on stderr.
//
// Usage (root): node dist/bench/nat-lab.js [--trials 10] [--pairs consistent:random,random:open]
//                                          [--bytes 4096]

import { parseArgs } from 'node:util'
import { checkNatLab } from '../test/helpers/nat-lab/lab.js'
import { IMPLS, NAT_TYPES } from '../test/helpers/nat-lab/protocol.js'
import type { Impl, NatType } from '../test/helpers/nat-lab/protocol.js'
import { NatWorld } from '../test/helpers/nat-lab/scenario.js'
import { quantile } from '../src/util.js'

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    pairs: { type: 'string' },
    bytes: { type: 'string', default: '4096' }
  }
})

const TRIALS = Math.max(1, Number(args.trials))
const BYTES = Math.max(1, Number(args.bytes))

interface Trial {
  ok: boolean
  openMs: number
  firstByteMs: number
  /** connect() to the error, for failures. */
  failMs: number
  code: string
  path: string
}

interface Figures {
  n: number
  success: number
  openP50: number
  openP95: number
  firstByteP50: number
  firstByteP95: number
  failP50: number
  codes: string
  paths: string
}

function pairsToRun(): [NatType, NatType][] {
  const all = NAT_TYPES.flatMap((c) => NAT_TYPES.map((s) => [c, s] as [NatType, NatType]))
  if (args.pairs === undefined) return all
  return args.pairs.split(',').map((p) => {
    const [c, s] = p.split(':')
    if (!NAT_TYPES.includes(c as NatType) || !NAT_TYPES.includes(s as NatType)) {
      throw new Error(`bad pair ${p} (want client:server over ${NAT_TYPES.join(', ')})`)
    }
    return [c as NatType, s as NatType]
  })
}

/** ABBA: keymesh, hyperdht, hyperdht, keymesh, … — TRIALS of each. */
function order(): Impl[] {
  const out: Impl[] = []
  for (let i = 0; out.length < 2 * TRIALS; i++) {
    const pair = i % 2 === 0 ? IMPLS : [...IMPLS].reverse()
    out.push(...pair)
  }
  return out
}

function describe(counts: Map<string, number>): string {
  return [...counts].map(([k, v]) => `${k} ${v}`).join(', ')
}

function figures(trials: Trial[]): Figures {
  const ok = trials.filter((t) => t.ok)
  const failed = trials.filter((t) => !t.ok)
  const count = (list: Trial[], key: 'code' | 'path'): Map<string, number> => {
    const m = new Map<string, number>()
    for (const t of list) m.set(t[key], (m.get(t[key]) ?? 0) + 1)
    return m
  }
  const q = (list: Trial[], key: 'openMs' | 'firstByteMs' | 'failMs', p: number): number =>
    quantile(
      list.map((t) => t[key]),
      p
    )
  return {
    n: trials.length,
    success: trials.length === 0 ? NaN : ok.length / trials.length,
    openP50: q(ok, 'openMs', 0.5),
    openP95: q(ok, 'openMs', 0.95),
    firstByteP50: q(ok, 'firstByteMs', 0.5),
    firstByteP95: q(ok, 'firstByteMs', 0.95),
    failP50: q(failed, 'failMs', 0.5),
    codes: describe(count(failed, 'code')),
    paths: describe(count(ok, 'path'))
  }
}

function emit(combo: string, impl: Impl, name: string, value: number, unit: string, n: number) {
  const v = Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null
  console.log(JSON.stringify({ bench: 'nat-lab', combo, impl, name, value: v, unit, n }))
}

function pathOf(r: Awaited<ReturnType<NatWorld['trial']>>): string {
  const c = r.client
  if (c.event !== 'connected') return 'none'
  const sum = (k: 'open' | 'consistent' | 'random'): number => c.punches[k] + r.server.punches[k]
  if (sum('random') > 0) return 'random'
  if (sum('consistent') > 0) return 'consistent'
  if (sum('open') > 0) return 'direct'
  return 'fast-open'
}

async function main(): Promise<void> {
  const check = await checkNatLab()
  if (!check.ok) {
    process.stderr.write(`nat-lab bench: the lab cannot run here: ${check.reason}\n`)
    process.exitCode = 2
    return
  }
  const pairs = pairsToRun()
  const world = await NatWorld.start()
  const results: { combo: string; figures: Record<Impl, Figures> }[] = []
  const started = Date.now()
  try {
    for (const [clientNat, serverNat] of pairs) {
      const combo = `${clientNat}×${serverNat}`
      const [client, server] = await world.sites(0, clientNat, serverNat)
      const trials: Record<Impl, Trial[]> = { keymesh: [], hyperdht: [] }
      for (const impl of order()) {
        const r = await world.trial(client, server, {
          clientImpl: impl,
          serverImpl: impl,
          bytes: BYTES
        })
        const c = r.client
        const trial: Trial =
          c.event === 'connected'
            ? {
                ok: true,
                openMs: c.openMs,
                firstByteMs: c.firstByteMs,
                failMs: NaN,
                code: '',
                path: pathOf(r)
              }
            : {
                ok: false,
                openMs: NaN,
                firstByteMs: NaN,
                failMs: c.ms,
                code: c.code,
                path: 'none'
              }
        trials[impl].push(trial)
        process.stderr.write(
          `${combo} ${impl}: ${trial.ok ? `open ${trial.openMs} ms, first byte ${trial.firstByteMs} ms (${trial.path})` : `${trial.code} after ${trial.failMs} ms`}\n`
        )
      }
      const f = { keymesh: figures(trials.keymesh), hyperdht: figures(trials.hyperdht) }
      for (const impl of IMPLS) {
        const x = f[impl]
        emit(combo, impl, 'success', x.success, 'ratio', x.n)
        emit(combo, impl, 'open_p50', x.openP50, 'ms', x.n)
        emit(combo, impl, 'open_p95', x.openP95, 'ms', x.n)
        emit(combo, impl, 'first_byte_p50', x.firstByteP50, 'ms', x.n)
        emit(combo, impl, 'first_byte_p95', x.firstByteP95, 'ms', x.n)
        if (x.success < 1) emit(combo, impl, 'fail_p50', x.failP50, 'ms', x.n)
      }
      results.push({ combo, figures: f })
    }
  } finally {
    await world.down()
  }
  console.log(table(results))
  process.stderr.write(`nat-lab bench: ${Math.round((Date.now() - started) / 1000)} s\n`)
}

function table(results: { combo: string; figures: Record<Impl, Figures> }[]): string {
  const ms = (v: number): string => (Number.isFinite(v) ? String(Math.round(v)) : '–')
  const pct = (v: number): string => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–')
  const lines = [
    `NAT lab, ${TRIALS} trials per implementation and pair (client × server); ms from connect():`,
    '',
    '| client × server | ok keymesh | ok hyperdht | open p50/p95 keymesh | open p50/p95 hyperdht | first byte p50/p95 keymesh | first byte p50/p95 hyperdht | paths / failures keymesh | paths / failures hyperdht |',
    '|---|---|---|---|---|---|---|---|---|'
  ]
  for (const { combo, figures: f } of results) {
    const k = f.keymesh
    const h = f.hyperdht
    const notes = (x: Figures): string =>
      [x.paths, x.codes === '' ? '' : `${x.codes} (p50 ${ms(x.failP50)} ms)`]
        .filter((s) => s !== '')
        .join('; ')
    lines.push(
      `| ${combo} | ${pct(k.success)} | ${pct(h.success)} | ${ms(k.openP50)} / ${ms(k.openP95)} | ${ms(h.openP50)} / ${ms(h.openP95)} | ${ms(k.firstByteP50)} / ${ms(k.firstByteP95)} | ${ms(h.firstByteP50)} / ${ms(h.firstByteP95)} | ${notes(k)} | ${notes(h)} |`
    )
  }
  return lines.join('\n')
}

await main()
