// keymesh announce: announce a public key under a topic, once or until stopped; or unannounce.

import type HyperDHT from '@keymesh/hyperdht'
import type { KeyPair } from '@keymesh/hyperdht'
import { expectPositionals, hostPortArg, parseCommandLine } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { loadHyperDHT } from '../deps.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'
import { selfCommand } from '../self-command.js'
import { untilAborted } from '../signals.js'
import { parseTopic } from '../topic.js'
import type { Topic } from '../topic.js'

/** Announces live 20 minutes on the nodes that hold them; --hold refreshes well before that. */
const HOLD_REFRESH_MS = 5 * 60 * 1000

const OPTIONS = {
  key: { type: 'string', short: 'k' },
  relay: { type: 'string', multiple: true },
  hash: { type: 'boolean' },
  hold: { type: 'boolean' },
  remove: { type: 'boolean' }
} as const

/** `keymesh announce`. */
export const announce: Command = {
  name: 'announce',
  summary: 'announce a public key under a topic (or remove the announcement)',
  usage:
    helpText(`Usage: keymesh announce <topic> [--key FILE] [--relay host:port ...] [--hold | --remove]

Announce the key file's public key under <topic> on the DHT nodes closest to the topic, so
'keymesh lookup <topic>' finds it. Announcements last about 20 minutes unless refreshed.

<topic> is 64 hex characters (used as is) or any other text (hashed with BLAKE2b-256, so the
same text always names the same topic). --hash hashes even 64 hex characters.

Options:
  -k, --key <file>         key file whose public key is announced (default: a new random key
                           pair, printed)
  --relay <host:port>      an address to include in the announcement (repeatable)
  --hash                   always hash <topic>, even when it is 64 hex characters
  --hold                   keep the announcement alive (refreshed every ${HOLD_REFRESH_MS / 60000} minutes) until
                           Ctrl+C, then remove it
  --remove                 remove the key's announcement instead (needs --key)

Examples:
  keymesh announce --bootstrap 127.0.0.1:49737 --key me.key my-app
  keymesh announce --bootstrap 127.0.0.1:49737 --key me.key my-app --hold`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 1, 1, 'topic')
    const topic = await parseTopic(positionals[0] as string, values.hash === true)
    if (values.hold === true && values.remove === true) {
      throw CliError.usage('--hold and --remove do not go together')
    }
    if (values.remove === true && values.key === undefined)
      throw CliError.usage('--remove needs --key')
    const relays = (values.relay ?? []).map((r) => hostPortArg('relay', r))
    const keyPair =
      values.key === undefined
        ? (await loadHyperDHT()).default.keyPair()
        : await readKeyFile(values.key)

    return withNode(ctx, values.bootstrap, async (node) => {
      if (values.remove === true) return remove(ctx, node, topic, keyPair)
      await once(ctx, node, topic, keyPair, relays)
      if (values.hold !== true) return EXIT.OK
      return hold(ctx, node, topic, keyPair, relays)
    })
  }
}

async function once(
  ctx: CommandContext,
  node: HyperDHT,
  topic: Topic,
  keyPair: KeyPair,
  relays: { host: string; port: number }[]
): Promise<void> {
  ctx.output.progress(`announcing on ${topic.from ?? topic.hex}`)
  const query = node.announce(topic.bytes, keyPair, relays, { signal: ctx.signal })
  await query.finished()
  const publicKey = keyPair.publicKey.toString('hex')
  const closest = query.closestNodes.length
  ctx.output.result(
    { topic: topic.hex, publicKey, closestNodes: closest },
    `${publicKey} announced on ${topic.hex}`
  )
  ctx.output.notice(
    `announced to the ${closest} closest nodes; find it with: ${selfCommand()} lookup ${topic.hex}`
  )
}

async function hold(
  ctx: CommandContext,
  node: HyperDHT,
  topic: Topic,
  keyPair: KeyPair,
  relays: { host: string; port: number }[]
): Promise<number> {
  ctx.output.notice('keeping the announcement alive; press Ctrl+C to remove it and stop')
  const timer = setInterval(() => {
    node
      .announce(topic.bytes, keyPair, relays, { signal: ctx.signal })
      .finished()
      .then(
        () => ctx.output.notice('announcement refreshed'),
        (err: unknown) => {
          if (!ctx.signal.aborted) ctx.output.notice(`refresh failed: ${(err as Error).message}`)
        }
      )
  }, HOLD_REFRESH_MS)
  await untilAborted(ctx.signal)
  clearInterval(timer)
  // the stop signal aborted the refresh; the removal runs on its own, bounded by the runner
  await node.unannounce(topic.bytes, keyPair)
  ctx.output.notice('announcement removed')
  return EXIT.OK
}

async function remove(
  ctx: CommandContext,
  node: HyperDHT,
  topic: Topic,
  keyPair: KeyPair
): Promise<number> {
  ctx.output.progress(`removing the announcement from ${topic.from ?? topic.hex}`)
  await node.unannounce(topic.bytes, keyPair, { signal: ctx.signal })
  const publicKey = keyPair.publicKey.toString('hex')
  ctx.output.result(
    { topic: topic.hex, publicKey, removed: true },
    `${publicKey} removed from ${topic.hex}`
  )
  return EXIT.OK
}
