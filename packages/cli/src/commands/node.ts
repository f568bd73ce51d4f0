// keymesh node: run a long-lived HyperDHT node (optionally with storage and a gateway).

import type { HyperDHTOptions } from '@keymesh/hyperdht'
import { expectPositionals, ipv4Arg, parseCommandLine, portArg } from '../args.js'
import type { Command } from '../command.js'
import { HELP_DEFAULTS } from '../deps.js'
import { EXIT } from '../exit-codes.js'
import { startGateway } from '../gateway.js'
import type { RunningGateway } from '../gateway.js'
import { helpText } from '../help.js'
import { joinNetwork, resolveBootstrap } from '../network.js'
import { untilAborted } from '../signals.js'

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  storage: { type: 'string' },
  gateway: { type: 'string' },
  'gateway-host': { type: 'string' }
} as const

/** `keymesh node`. */
export const node: Command = {
  name: 'node',
  summary: 'run a long-lived DHT node, optionally with storage and an HTTP gateway',
  usage: helpText(`Usage: keymesh node [--bootstrap host:port ...] [--port P] [--host H]
                    [--storage DIR] [--gateway PORT [--gateway-host H]]

Run a HyperDHT node until Ctrl+C. It joins the network through the bootstrap nodes, answers
other nodes' requests and, once it has a stable public address, becomes persistent and
stores records for the network.

Options:
  -p, --port <port>        UDP port; 0 picks a free one (default: 49737, else the next four,
                           else any free one)
  --host <ipv4>            local address to bind (default 0.0.0.0; 127.0.0.1 when every
                           bootstrap node is on 127.0.0.1)
  --storage <dir>          keep the routing table and records in this directory, so a
                           restart rejoins quickly and serves them at once
  --gateway <port>         also serve the HTTP gateway on this TCP port (0: a free one)
  --gateway-host <ipv4>    the gateway's address (default 127.0.0.1)

Examples:
  keymesh node --bootstrap 127.0.0.1:49737 --gateway 8080
  keymesh node --storage ~/.keymesh/node`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const port = portArg('port', values.port)
    const host = ipv4Arg('host', values.host)
    const gatewayPort = portArg('gateway', values.gateway)
    const gatewayHost = ipv4Arg('gateway-host', values['gateway-host']) ?? '127.0.0.1'
    const bootstrap = await resolveBootstrap(values.bootstrap, ctx.env)

    const nodeOptions: HyperDHTOptions = {}
    if (port !== undefined && port !== 0) nodeOptions.port = port
    if (host !== undefined) nodeOptions.host = host
    if (values.storage !== undefined) nodeOptions.storage = values.storage
    // a long-lived node takes hyperdht's default port unless told otherwise
    const dht = await joinNetwork({
      bootstrap,
      output: ctx.output,
      signal: ctx.signal,
      // 0: no port here, so joinNetwork picks a free one (hyperdht would read 0 as 49737)
      nodeOptions: port === 0 ? nodeOptions : { port: HELP_DEFAULTS.port, ...nodeOptions },
      requireNetwork: false
    })
    let gateway: RunningGateway | null = null
    try {
      if (gatewayPort !== undefined) gateway = await startGateway(dht, gatewayPort, gatewayHost)
      const local = dht.address()
      const info = {
        event: 'listening',
        address: local === null ? null : `${local.host}:${local.port}`,
        bootstrap,
        nodes: dht.toArray().length,
        firewalled: dht.firewalled,
        ephemeral: dht.ephemeral,
        publicAddress: dht.host === null ? null : `${dht.host}:${dht.port}`,
        storage: values.storage ?? null,
        gateway: gateway?.url ?? null
      }
      const lines = [
        `keymesh node listening on ${info.address ?? 'nothing'} (${info.nodes} nodes in its table)`,
        `  public address: ${info.publicAddress ?? 'unknown'}${dht.firewalled ? ' (firewalled)' : ''}`,
        `  mode:           ${dht.ephemeral ? 'ephemeral (becomes persistent once stable)' : 'persistent'}`
      ]
      if (values.storage !== undefined) lines.push(`  storage:        ${values.storage}`)
      if (gateway !== null) lines.push(`  gateway:        ${gateway.url}`)
      if (info.nodes === 0) lines.push('', 'No bootstrap node answered yet.')
      lines.push('', 'Press Ctrl+C to stop.')
      ctx.output.result(info, lines.join('\n'))

      const onPersistent = (): void =>
        ctx.output.result(
          { event: 'persistent' },
          'The node is now persistent: it stores records for the network.'
        )
      dht.on('persistent', onPersistent)
      await untilAborted(ctx.signal)
      dht.off('persistent', onPersistent)
      ctx.output.notice('stopping')
    } finally {
      if (gateway !== null) await gateway.gateway.close()
      await dht.destroy()
    }
    ctx.output.result({ event: 'stopped' }, 'Stopped.')
    return EXIT.OK
  }
}
