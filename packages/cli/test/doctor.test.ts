// keymesh doctor on loopback: every check passes on a testnet; a dead bootstrap fails, exit 1.

import test from 'brittle'
import { keymeshDone } from './helpers/keymesh.js'
import { localNetwork } from './helpers/network.js'

test.configure({ timeout: 60_000 })

test('doctor --json on a local testnet: reachable, joined, NAT explained, connect test passes', async (t) => {
  const bootstrap = await localNetwork(t)
  const r = await keymeshDone(t, ['doctor', '--bootstrap', bootstrap, '--json'])
  t.is(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as {
    ok: boolean
    bootstrap: { node: string; reachable: boolean; rttMs: number }[]
    network: { joined: boolean; nodes: number }
    nat: { type: string; firewalled: boolean; publicAddress: string | null }
    connect: {
      ok: boolean
      ms: number
      punches: { consistent: number; random: number; open: number }
      relaying: { attempts: number; successes: number; aborts: number }
    }
    advice: string[]
  }
  t.is(report.ok, true)
  t.is(report.bootstrap.length, 1)
  t.is(report.bootstrap[0]?.node, bootstrap)
  t.is(report.bootstrap[0]?.reachable, true)
  t.ok(report.network.joined && report.network.nodes > 0, 'joined')
  // a fresh client node stays firewalled until other nodes prove otherwise; either way its
  // NAT keeps one port on loopback
  t.ok(['open', 'consistent'].includes(report.nat.type), `NAT type ${report.nat.type}`)
  t.is(report.nat.firewalled, report.nat.type !== 'open', 'firewalled agrees with the type')
  t.ok(report.nat.publicAddress?.startsWith('127.0.0.1:'), 'the address the testnet sees')
  t.is(report.connect.ok, true, 'loopback connection echoed')
  const { punches, relaying } = report.connect
  t.ok(
    [punches.consistent, punches.random, punches.open].every((n) => Number.isInteger(n)),
    "the connecting node's punch counters"
  )
  t.alike(relaying, { attempts: 0, successes: 0, aborts: 0 }, 'no relay asked for')
  t.ok(report.advice.length > 0, 'explained in words')
})

test('doctor with a dead bootstrap node explains it and exits 1', async (t) => {
  const r = await keymeshDone(t, ['doctor', '--bootstrap', '127.0.0.1:9'])
  t.is(r.code, 1)
  t.ok(r.stdout.includes('FAIL 127.0.0.1:9'), 'the node is marked')
  t.ok(r.stdout.includes('No bootstrap node answered'), 'and explained')
  t.ok(r.stdout.includes('Some checks failed.'))
  t.is(r.stderr, 'keymesh doctor: CHECKS_FAILED: some checks failed (see above)\n')
})
