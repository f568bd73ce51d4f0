// keymesh relay: a blind relay at a public key, for peers that cannot holepunch each other.

import type { RelayServer, RelayServerOptions } from '@keymesh/hyperdht'
import { expectPositionals, intArg, parseCommandLine } from '../args.js'
import type { Command } from '../command.js'
import { loadHyperDHT } from '../deps.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'
import { selfCommand } from '../self-command.js'
import { abortable, untilAborted } from '../signals.js'

/** How often the live status line (progress) is refreshed. */
const STATUS_INTERVAL_MS = 1000

/** hyperdht's own default, shown in the help text (the option is only passed when given). */
const DEFAULT_MAX_SESSIONS = 1024
const MAX_SESSIONS_LIMIT = 65535

const OPTIONS = {
  key: { type: 'string', short: 'k' },
  'max-sessions': { type: 'string' }
} as const

/** `keymesh relay`. */
export const relay: Command = {
  name: 'relay',
  summary: 'run a blind relay for peers that cannot holepunch each other (--relay-through)',
  usage: helpText(`Usage: keymesh relay [--key FILE] [--max-sessions N]

Run a blind relay until Ctrl+C. Peers that cannot holepunch each other (two NATs that pick a
new port per destination, strict firewalls) pair their connection through it, and it forwards
their packets without being able to read them: the connection stays end-to-end encrypted
between the two peers. It is reached at its public key, printed once it listens; servers and
clients use it with --relay-through <publicKey> (see 'keymesh serve' and 'keymesh connect').
Run it where other nodes can reach it directly ('keymesh doctor' says NAT type open).

While it runs, the progress line (on a terminal, or with --progress) shows its counts:
sessions, pairings matched, streams relayed. On Ctrl+C it ends its sessions and prints the
final counts.

Options:
  -k, --key <file>        key file to relay on (default: a new random key pair; a key file
                          keeps the relay's public key across restarts)
  --max-sessions <n>      most peers served at once, 1-${MAX_SESSIONS_LIMIT} (default ${DEFAULT_MAX_SESSIONS}); more are
                          disconnected at once

Examples:
  keymesh relay --bootstrap 127.0.0.1:49737 --key relay.key
  keymesh serve --bootstrap 127.0.0.1:49737 --relay-through <relayKey>`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const maxSessions = intArg('max-sessions', values['max-sessions'], 1, MAX_SESSIONS_LIMIT)
    const keyPair =
      values.key === undefined
        ? (await loadHyperDHT()).default.keyPair()
        : await readKeyFile(values.key)

    return withNode(ctx, values.bootstrap, async (node) => {
      const opts: RelayServerOptions = {}
      if (maxSessions !== undefined) opts.maxSessions = maxSessions
      const server = node.createRelayServer(opts)
      ctx.output.progress('announcing the relay')
      try {
        // listen() takes no signal: Ctrl+C while announcing stops at once, as serve does
        await abortable(server.listen(keyPair), ctx.signal)
        const publicKey = keyPair.publicKey.toString('hex')
        const k = selfCommand()
        ctx.output.result(
          { event: 'listening', publicKey, maxSessions: maxSessions ?? DEFAULT_MAX_SESSIONS },
          [
            `relaying on ${publicKey}`,
            `use it with: ${k} serve --relay-through ${publicKey}`,
            `         or: ${k} connect --relay-through ${publicKey} <serverKey>`,
            'Press Ctrl+C to stop.'
          ].join('\n')
        )
        // polled, not evented: one line redrawn on change, nothing per pairing
        let shown = ''
        const timer = setInterval(() => {
          const line = status(server)
          if (line !== shown) ctx.output.progress((shown = line))
        }, STATUS_INTERVAL_MS)
        try {
          await untilAborted(ctx.signal)
        } finally {
          clearInterval(timer)
        }
        ctx.output.notice('stopping')
      } finally {
        await server.close()
      }
      // after close(): the counts are final (nothing active, cancelled pairings counted)
      ctx.output.result({ event: 'stopped', stats: server.stats }, `Stopped. ${summary(server)}`)
      return EXIT.OK
    })
  }
}

function status(server: RelayServer): string {
  const { sessions, pairings, streams } = server.stats
  // totals too: a session or pairing that comes and goes between two polls still shows
  return (
    `${n(sessions.active, 'session')} open (${sessions.accepted} so far), ` +
    `${n(pairings.matched, 'pairing')} matched of ${pairings.requested} requested, ` +
    `${n(streams.active, 'stream')} relaying (${streams.opened} so far)`
  )
}

function summary(server: RelayServer): string {
  const { sessions, pairings, streams } = server.stats
  return (
    `Relayed for ${n(sessions.accepted, 'peer session')}: ` +
    `${n(pairings.matched, 'pairing')} matched of ${pairings.requested} requested ` +
    `(${pairings.cancelled} cancelled, ${pairings.rejected} refused), ` +
    `${n(streams.opened, 'stream')} relayed (${n(streams.errors, 'error')}).`
  )
}

function n(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? '' : 's'}`
}
