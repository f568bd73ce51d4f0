// Every subcommand, in the order `keymesh --help` lists them.

import type { Command } from './command.js'
import { announce } from './commands/announce.js'
import { bootstrap } from './commands/bootstrap.js'
import { connect } from './commands/connect.js'
import { doctor } from './commands/doctor.js'
import { get } from './commands/get.js'
import { keygen } from './commands/keygen.js'
import { lookup } from './commands/lookup.js'
import { node } from './commands/node.js'
import { put } from './commands/put.js'
import { relay } from './commands/relay.js'
import { serve } from './commands/serve.js'
import { testnet } from './commands/testnet.js'

/** The subcommands. */
export const COMMANDS: readonly Command[] = Object.freeze([
  testnet,
  node,
  bootstrap,
  keygen,
  put,
  get,
  announce,
  lookup,
  serve,
  connect,
  relay,
  doctor
])
