// keymesh bootstrap: run one HyperDHT bootstrap node until SIGINT/SIGTERM.

import type { BootstrapperOptions } from '@keymesh/bootstrapper'
import { bootstrapArg, expectPositionals, ipv4Arg, parseCommandLine, portArg } from '../args.js'
import type { Command } from '../command.js'
import { HELP_DEFAULTS, loadBootstrapper } from '../deps.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { selfCommand } from '../self-command.js'
import { untilAborted } from '../signals.js'

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'bind-host': { type: 'string' }
} as const

/** `keymesh bootstrap`. */
export const bootstrap: Command = {
  name: 'bootstrap',
  summary: 'run a bootstrap node (the entry point of a network)',
  usage: helpText(`Usage: keymesh bootstrap [--port P] [--host H] [--bind-host H]

Run a persistent HyperDHT bootstrap node (node id = hash of host:port) until Ctrl+C. Other
nodes join the network through it: 'keymesh node --bootstrap H:P'. It joins no other
network unless --bootstrap is given.

Options:
  -p, --port <port>    UDP port; 0 picks a free one (default ${HELP_DEFAULTS.port}; a taken port is
                       an error, never replaced)
  --host <ipv4>        the address other nodes reach it at (default ${HELP_DEFAULTS.host})
  --bind-host <ipv4>   local address to bind (default: --host if it is 127.0.0.1, else 0.0.0.0)

Examples:
  keymesh bootstrap --port 49737 --host 127.0.0.1`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const opts: BootstrapperOptions = {}
    const port = portArg('port', values.port)
    const host = ipv4Arg('host', values.host)
    const bindHost = ipv4Arg('bind-host', values['bind-host'])
    if (port !== undefined) opts.port = port
    if (host !== undefined) opts.host = host
    if (bindHost !== undefined) opts.bindHost = bindHost
    const others = bootstrapArg(values.bootstrap)
    if (others !== undefined) opts.bootstrap = others

    ctx.output.progress('binding')
    const { startBootstrapper } = await loadBootstrapper()
    const bootstrapper = await startBootstrapper(opts)
    try {
      const json = bootstrapper.toJSON()
      const self = selfCommand()
      ctx.output.result(
        {
          event: 'listening',
          bootstrap: bootstrapper.bootstrap,
          bound: `${json.bound.host}:${json.bound.port}`,
          id: json.id
        },
        [
          `keymesh bootstrap node listening on ${bootstrapper.bootstrap}`,
          `  node id:  ${json.id ?? 'none'}`,
          '',
          'Join it:',
          `  ${self} node --bootstrap ${bootstrapper.bootstrap}`,
          '',
          'Press Ctrl+C to stop.'
        ].join('\n')
      )
      await untilAborted(ctx.signal)
      ctx.output.notice('stopping')
    } finally {
      await bootstrapper.close()
    }
    ctx.output.result({ event: 'stopped' }, 'Stopped.')
    return EXIT.OK
  }
}
