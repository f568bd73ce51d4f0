// keymesh relay through the real binary: serve/connect with --relay-through pair through it
// (either side may choose it), bytes pass end to end, and its counts are printed when it stops.
//
// On loopback every path works, so the direct (holepunched) path usually carries the data and
// the relay pairing completes beside it, then retires: the tests assert the bytes end to end
// and the relay's matched pairing, never which path carried which bytes. The pairing needs
// both peers still connected, so each connection is held open (stdin open on both ends) until
// the relay's progress line shows the match. It is not certain for one connection: a fresh
// node sometimes learns it is reachable (not firewalled) before it connects, and then the
// server connects to it directly and never pairs (hyperdht's rule: a reachable client needs
// no relay). So an unpaired attempt is retried from scratch: a new testnet, relay, server and
// client (a retry on the same network inherits the gone client in its routing tables).

import test from 'brittle'
import type { TestInstance } from './helpers/brittle.js'
import { keymesh } from './helpers/keymesh.js'
import type { KeymeshProcess } from './helpers/keymesh.js'
import { localNetwork } from './helpers/network.js'

test.configure({ timeout: 120_000 })

const LISTENING = /listening on ([0-9a-f]{64})/
/** Connections tried before giving up on a pairing. */
const ATTEMPTS = 3
/** How long one connection waits for its pairing; the peers' own deadline is 15 s. */
const PAIRING_WAIT_MS = 10_000

/** The relay's stats as `--json` prints them when it stops. */
interface RelayStats {
  sessions: { accepted: number; opened: number; closed: number; active: number }
  pairings: {
    requested: number
    matched: number
    cancelled: number
    pending: number
    active: number
    rejected: number
  }
  streams: { opened: number; closed: number; errors: number; active: number }
}

/**
 * serve --once and connect with stdin open on both: `ping` one way, `pong` back, wait for the
 * relay to match the pair, then more bytes both ways and both exit 0. Resolves whether the
 * relay matched it.
 */
async function pipeThrough(
  t: TestInstance,
  relay: KeymeshProcess,
  serveArgs: string[],
  connectArgs: string[]
): Promise<boolean> {
  const server = keymesh(t, ['serve', '--once', ...serveArgs], { stdin: 'open' })
  const [, serverKey] = await server.waitFor(LISTENING, 'stderr')
  const client = keymesh(t, ['connect', ...connectArgs, serverKey as string], { stdin: 'open' })
  client.child.stdin.write('ping\n')
  await server.waitFor(/ping\n/)
  server.child.stdin.write('pong\n')
  await client.waitFor(/pong\n/)

  const paired = await relay.waitFor(/\b1 pairing matched/, 'stderr', PAIRING_WAIT_MS).then(
    () => true,
    () => false
  )
  // the connection outlives the relay's part in it, whichever path it ends up on
  client.child.stdin.end('after the pairing\n')
  server.child.stdin.end('bye\n')
  t.is(await client.exited, 0, 'connect exits 0')
  t.is(await server.exited, 0, 'serve --once exits 0')
  t.is(server.stdout(), 'ping\nafter the pairing\n', 'the server got every byte, in order')
  t.is(client.stdout(), 'pong\nbye\n', 'the client got every byte, in order')
  return paired
}

/** A running relay: its process and public key. */
interface Relay {
  process: KeymeshProcess
  key: string
}

/**
 * Attempts, each on a new testnet with a new `keymesh relay ...relayArgs`, until the relay
 * pairs a connection (see the top of the file). Resolves with the relay that did, still
 * running, and how many pairings it matched (1; 0 when no attempt paired, a failure).
 */
async function pairOnce(
  t: TestInstance,
  relayArgs: string[],
  through: 'serve' | 'connect'
): Promise<{ relay: Relay; paired: number }> {
  for (let attempt = 1; ; attempt++) {
    const b = ['--bootstrap', await localNetwork(t)]
    const proc = keymesh(t, ['relay', ...b, '--progress', ...relayArgs])
    const [, key] = await proc.waitFor(/(?:relaying on |"publicKey":")([0-9a-f]{64})/)
    const relay = { process: proc, key: key as string }
    // repeatable: a list to pick from at random; the same key twice keeps the pick certain
    const choice = ['--relay-through', relay.key, '--relay-through', relay.key]
    const serveArgs = through === 'serve' ? [...b, ...choice] : b
    const connectArgs = through === 'connect' ? [...b, ...choice] : b
    if (await pipeThrough(t, proc, serveArgs, connectArgs)) {
      t.pass(`the relay matched the two sides (attempt ${attempt})`)
      return { relay, paired: 1 }
    }
    if (attempt === ATTEMPTS) {
      t.fail(`no pairing in ${ATTEMPTS} attempts; relay: ${proc.stderr()}`)
      return { relay, paired: 0 }
    }
    t.comment(`attempt ${attempt} was not paired in time (most likely the client was reachable)`)
    proc.child.kill('SIGKILL')
    await proc.exited
  }
}

test('serve --relay-through: the relay pairs the connection; --json stats on stop', async (t) => {
  const { relay, paired } = await pairOnce(t, ['--json'], 'serve')
  const [listening] = relay.process.jsonLines()
  t.alike(listening, { event: 'listening', publicKey: relay.key, maxSessions: 1024 })

  relay.process.child.kill('SIGINT')
  t.is(await relay.process.exited, 0, 'relay stops cleanly on SIGINT')
  const stopped = relay.process.jsonLines().at(-1) as { event: string; stats: RelayStats }
  t.is(stopped.event, 'stopped')
  const { sessions, pairings, streams } = stopped.stats
  t.is(pairings.matched, paired, 'the matched pairing is counted')
  t.is(streams.opened, 2 * pairings.matched, 'one relay stream per side of each pairing')
  t.ok(sessions.accepted >= 2 * pairings.matched, 'both peers connected to the relay')
  t.is(sessions.active, 0, 'no session left after close')
  t.is(streams.active, 0, 'no stream left after close')
  t.is(pairings.pending, 0, 'nothing pending after close')
  t.is(pairings.rejected, 0, 'nothing refused')
})

test('connect --relay-through (the client chooses): paired; human summary on stop', async (t) => {
  const { relay, paired } = await pairOnce(t, ['--max-sessions', '8'], 'connect')
  const out = relay.process.stdout()
  t.ok(out.includes(`serve --relay-through ${relay.key}`), 'usage hint')

  relay.process.child.kill('SIGTERM')
  t.is(await relay.process.exited, 0, 'relay stops cleanly on SIGTERM')
  const summary = relay.process
    .stdout()
    .match(/^Stopped\. Relayed for \d+ peer sessions: (\d+) pairings? /m)
  t.ok(summary !== null, relay.process.stdout())
  t.is(Number(summary?.[1]), paired, 'the summary counts the pairing')
  t.ok(relay.process.stderr().includes('keymesh relay: stopping'), 'stopping notice')
})
