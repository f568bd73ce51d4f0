// keymesh lookup: list the public keys announced under a topic.

import { expectPositionals, parseCommandLine } from '../args.js'
import type { Command } from '../command.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { withNode } from '../network.js'
import { parseTopic } from '../topic.js'

const OPTIONS = {
  hash: { type: 'boolean' }
} as const

/** One announced peer as printed. */
interface FoundPeer {
  publicKey: string
  relayAddresses: string[]
}

/** `keymesh lookup`. */
export const lookup: Command = {
  name: 'lookup',
  summary: 'list the public keys announced under a topic',
  usage: helpText(`Usage: keymesh lookup <topic> [--hash]

Ask the DHT nodes closest to <topic> who announced under it, and print each public key once
(with its relay addresses, if any). Nothing found exits 3.

<topic> is 64 hex characters (used as is) or any other text (hashed with BLAKE2b-256), as
for 'keymesh announce'.

Options:
  --hash   always hash <topic>, even when it is 64 hex characters

With --json, prints {"topic","peers":[{"publicKey","relayAddresses"}]}.

Examples:
  keymesh lookup --bootstrap 127.0.0.1:49737 my-app`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 1, 1, 'topic')
    const topic = await parseTopic(positionals[0] as string, values.hash === true)

    return withNode(ctx, values.bootstrap, async (node) => {
      ctx.output.progress(`looking up ${topic.from ?? topic.hex}`)
      const peers = new Map<string, FoundPeer>()
      for await (const reply of node.lookup(topic.bytes, { signal: ctx.signal })) {
        for (const peer of reply.peers) {
          const publicKey = peer.publicKey.toString('hex')
          if (peers.has(publicKey)) continue
          const relayAddresses = peer.relayAddresses.map((a) => `${a.host}:${a.port}`)
          peers.set(publicKey, { publicKey, relayAddresses })
          ctx.output.progress(`found ${peers.size}`)
        }
      }
      if (peers.size === 0) throw new CliError('NOT_FOUND', `nobody announced on ${topic.hex}`)
      const list = [...peers.values()]
      const text = list
        .map((p) =>
          p.relayAddresses.length === 0
            ? p.publicKey
            : `${p.publicKey} via ${p.relayAddresses.join(', ')}`
        )
        .join('\n')
      ctx.output.result({ topic: topic.hex, peers: list }, text)
      return EXIT.OK
    })
  }
}
