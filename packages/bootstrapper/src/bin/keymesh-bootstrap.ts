#!/usr/bin/env node
// keymesh-bootstrap: run one HyperDHT bootstrap node until SIGINT/SIGTERM.

import { startBootstrapper } from '../bootstrapper.js'
import type { BootstrapperOptions } from '../bootstrapper.js'
import { BOOTSTRAPPER_DEFAULTS } from '../constants.js'
import { parseCommandLine, portArg } from '../cli/args.js'
import { bootstrapperBanner } from '../cli/banner.js'
import { runBin } from '../cli/run-bin.js'

const USAGE = `Usage: keymesh-bootstrap [options]

Run a persistent HyperDHT bootstrap node (node id = hash of host:port) until Ctrl+C.

Options:
  --port <port>       UDP port; 0 picks a free one (default ${BOOTSTRAPPER_DEFAULTS.port})
  --host <ipv4>       address other nodes reach it at (default ${BOOTSTRAPPER_DEFAULTS.host})
  --bind-host <ipv4>  local address to bind (default: --host if 127.0.0.1, else 0.0.0.0)
  -h, --help          show this help

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start (e.g. port in use), 2 bad arguments.
`

await runBin('keymesh-bootstrap', async (argv) => {
  const args = parseCommandLine(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'bind-host': { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  })
  if (args.help === true) {
    process.stdout.write(USAGE)
    return null
  }

  const opts: BootstrapperOptions = {}
  const port = portArg(args.port)
  if (port !== undefined) opts.port = port
  if (args.host !== undefined) opts.host = args.host
  if (args['bind-host'] !== undefined) opts.bindHost = args['bind-host']

  const bootstrapper = await startBootstrapper(opts)
  const json = bootstrapper.toJSON()
  process.stdout.write(
    bootstrapperBanner({
      bootstrap: bootstrapper.bootstrap,
      bound: `${json.bound.host}:${json.bound.port}`,
      id: json.id ?? 'none'
    })
  )
  return bootstrapper
})
