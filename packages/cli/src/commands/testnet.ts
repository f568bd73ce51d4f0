// keymesh testnet: a local network (a bootstrapper and N nodes) with an HTTP gateway, until stopped.

import type { LocalNetworkOptions } from '@keymesh/bootstrapper'
import type HyperDHT from '@keymesh/hyperdht'
import type { RelayServer } from '@keymesh/hyperdht'
import { expectPositionals, intArg, ipv4Arg, parseCommandLine, portArg } from '../args.js'
import type { Command } from '../command.js'
import { HELP_DEFAULTS, loadBootstrapper, loadHyperDHT } from '../deps.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { DEFAULT_GATEWAY_PORT, startGateway } from '../gateway.js'
import type { RunningGateway } from '../gateway.js'
import { helpText } from '../help.js'
import { selfCommand } from '../self-command.js'
import { untilAborted } from '../signals.js'

const D = HELP_DEFAULTS

const OPTIONS = {
  size: { type: 'string', short: 'n' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  gateway: { type: 'string' },
  'no-gateway': { type: 'boolean' }
} as const

/** `keymesh testnet`. */
export const testnet: Command = {
  name: 'testnet',
  summary: 'run a local network with an HTTP gateway, ready to use',
  usage:
    helpText(`Usage: keymesh testnet [--size N] [--port P] [--host H] [--gateway PORT | --no-gateway]

Run a whole HyperDHT network on this machine (a bootstrapper and N persistent nodes; no
internet needed) with an HTTP gateway in front of it, until Ctrl+C. One node also runs a
blind relay (see 'keymesh relay'). Prints the bootstrap address, the gateway URL, the relay's
public key and commands to try from another shell.

Options:
  -n, --size <n>      nodes besides the bootstrapper, 0-${D.maxNodes} (default ${D.nodes})
  -p, --port <port>   bootstrapper UDP port; 0 picks a free one (default ${D.port}, or a free
                      port if it is taken; an explicit --port is never replaced)
  --host <ipv4>       address of the bootstrapper, the nodes and the gateway (default ${D.host})
  --gateway <port>    gateway TCP port; 0 picks a free one (default ${DEFAULT_GATEWAY_PORT}, or a free
                      port if it is taken; an explicit --gateway is never replaced)
  --no-gateway        no gateway

Examples:
  keymesh testnet
  keymesh testnet --size 3 --port 0 --gateway 0 --json`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const size = intArg('size', values.size, 0, D.maxNodes)
    const port = portArg('port', values.port)
    const host = ipv4Arg('host', values.host) ?? D.host
    const gatewayPort = portArg('gateway', values.gateway)
    const noGateway = values['no-gateway'] === true
    if (noGateway && gatewayPort !== undefined) {
      throw CliError.usage('--gateway and --no-gateway do not go together')
    }
    if (values.bootstrap !== undefined) {
      throw CliError.usage('a testnet makes its own bootstrap node: --bootstrap does not apply')
    }

    const opts: LocalNetworkOptions = { host }
    if (size !== undefined) opts.nodes = size
    // a port the user named is a promise to whoever connects to it: fail rather than move
    if (port !== undefined) Object.assign(opts, { port, anyPort: false })
    ctx.output.progress(`starting a bootstrapper and ${size ?? D.nodes} nodes`)
    const { startLocalNetwork } = await loadBootstrapper()
    const network = await startLocalNetwork(opts)
    const { default: HyperDHTClass } = await loadHyperDHT()
    let spareNode: HyperDHT | null = null
    let gateway: RunningGateway | null = null
    let relay: RelayServer | null = null
    try {
      const bootstrap = network.bootstrapper.bootstrap
      // with --size 0 the gateway and the relay share one node made here
      const spare = async (): Promise<HyperDHT> => {
        if (spareNode === null) {
          spareNode = new HyperDHTClass({ bootstrap: [bootstrap], host })
          await spareNode.fullyBootstrapped()
        }
        return spareNode
      }
      if (!noGateway) {
        ctx.output.progress('starting the gateway')
        gateway = await startGateway(
          network.nodes[0] ?? (await spare()),
          gatewayPort ?? DEFAULT_GATEWAY_PORT,
          host,
          gatewayPort === undefined
        )
      }
      ctx.output.progress('starting the relay')
      // the last node: the gateway is on the first, so neither slows the other
      relay = (network.nodes.at(-1) ?? (await spare())).createRelayServer()
      await relay.listen(HyperDHTClass.keyPair())
      const relayKey = (relay.publicKey as Buffer).toString('hex')
      ctx.output.result(
        {
          event: 'ready',
          bootstrap,
          nodes: network.nodes.length,
          gateway: gateway?.url ?? null,
          relay: relayKey
        },
        banner(bootstrap, network.nodes.length, network.portFallback, gateway, relayKey)
      )
      await untilAborted(ctx.signal)
      ctx.output.notice('stopping')
    } finally {
      if (relay !== null) await relay.close()
      if (gateway !== null) await gateway.gateway.close()
      if (spareNode !== null) await (spareNode as HyperDHT).destroy()
      await network.close()
    }
    ctx.output.result({ event: 'stopped' }, 'Stopped.')
    return EXIT.OK
  }
}

function banner(
  bootstrap: string,
  nodes: number,
  portFallback: boolean,
  gateway: RunningGateway | null,
  relay: string
): string {
  const k = selfCommand()
  const b = `--bootstrap ${bootstrap}`
  const lines = [
    `keymesh testnet ready: a bootstrapper and ${nodes === 1 ? '1 node' : `${nodes} nodes`}`,
    '',
    `  bootstrap: ${bootstrap}${portFallback ? ` (port ${D.port} was taken)` : ''}`,
    `  gateway:   ${gateway === null ? 'off' : gateway.url}${gateway?.fellBack === true ? ` (port ${DEFAULT_GATEWAY_PORT} was taken)` : ''}`,
    `  relay:     ${relay}  (use --relay-through ${relay})`,
    '',
    'Try it from another shell:',
    '',
    '  # store a value; prints its hash',
    `  ${k} put ${b} 'hello world'`,
    `  ${k} get ${b} <hash>`,
    '  # make a key pair (prints the public key), sign a mutable record with it',
    `  ${k} keygen --out me.key`,
    `  ${k} put ${b} --key me.key 'my status'`,
    `  ${k} get ${b} --mutable <publicKey>`,
    '  # an encrypted pipe: serve in one shell, connect in another, type lines',
    `  ${k} serve ${b} --key me.key`,
    `  ${k} connect ${b} <publicKey>`,
    '  # the same, paired through the blind relay too (for peers that cannot holepunch)',
    `  ${k} serve ${b} --key me.key --relay-through ${relay}`,
    '  # check the network',
    `  ${k} doctor ${b}`
  ]
  if (gateway !== null) {
    lines.push(
      '',
      'Or over HTTP:',
      '',
      `  curl ${gateway.url}/`,
      `  curl -X POST --data-binary 'hello' ${gateway.url}/immutable`,
      `  curl ${gateway.url}/immutable/<hash>`
    )
  }
  lines.push(
    '',
    `Or set KEYMESH_BOOTSTRAP=${bootstrap} and leave out --bootstrap.`,
    '',
    'Press Ctrl+C to stop.'
  )
  return lines.join('\n')
}
