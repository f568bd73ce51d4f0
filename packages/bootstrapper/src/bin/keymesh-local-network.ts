#!/usr/bin/env node
// keymesh-local-network: run a bootstrapper and N HyperDHT nodes on this machine until stopped.

import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { LOCAL_NETWORK_DEFAULTS, MAX_LOCAL_NODES } from '../constants.js'
import { startLocalNetwork } from '../local-network.js'
import type { LocalNetworkOptions } from '../local-network.js'
import { countArg, parseCommandLine, portArg } from '../cli/args.js'
import { localNetworkBanner } from '../cli/banner.js'
import { runBin } from '../cli/run-bin.js'

const D = LOCAL_NETWORK_DEFAULTS
const USAGE = `Usage: keymesh-local-network [options]

Run a local HyperDHT network (a bootstrapper and N persistent nodes, no internet needed)
until Ctrl+C, and print how to join it.

Options:
  --nodes <n>    nodes besides the bootstrapper, 0-${MAX_LOCAL_NODES} (default ${D.nodes})
  --port <port>  bootstrapper UDP port; 0 picks a free one (default ${D.port}, or a free
                 port if ${D.port} is taken; an explicit --port is never replaced)
  --host <ipv4>  address of the bootstrapper and nodes (default ${D.host})
  -h, --help     show this help

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start (e.g. port in use), 2 bad arguments.
`

await runBin('keymesh-local-network', async (argv) => {
  const args = parseCommandLine(argv, {
    nodes: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  })
  if (args.help === true) {
    process.stdout.write(USAGE)
    return null
  }

  const opts: LocalNetworkOptions = {}
  const nodes = countArg(args.nodes, MAX_LOCAL_NODES)
  const port = portArg(args.port)
  if (nodes !== undefined) opts.nodes = nodes
  // a port the user named is a promise to whoever connects to it: fail rather than move
  if (port !== undefined) Object.assign(opts, { port, anyPort: false })
  if (args.host !== undefined) opts.host = args.host

  const network = await startLocalNetwork(opts)
  process.stdout.write(
    localNetworkBanner({
      bootstrap: network.bootstrapper.bootstrap,
      nodes: network.nodes.length,
      fallbackFrom: network.portFallback ? (port ?? D.port) : null,
      hyperdhtUrl: pathToFileURL(createRequire(import.meta.url).resolve('@keymesh/hyperdht')).href
    })
  )
  return network
})
