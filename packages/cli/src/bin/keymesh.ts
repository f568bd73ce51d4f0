#!/usr/bin/env node
// keymesh: the command-line entry point; runs a subcommand and exits with its code.

import { runCli } from '../run-cli.js'

// a closed pipe on stdout (`keymesh lookup ... | head`) ends the command quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const code = await runCli(process.argv.slice(2))
process.exit(code)
