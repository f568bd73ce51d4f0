// The shape of a subcommand and what it is given to run.

import type { Output } from './output.js'

/** What `run` gets: the command line, the printer, and the stop signal. */
export interface CommandContext {
  /** Arguments after the subcommand name. */
  argv: string[]
  /** Environment (for `KEYMESH_BOOTSTRAP`). */
  env: NodeJS.ProcessEnv
  /** Aborted on the first SIGINT/SIGTERM; its `reason` is the signal name. */
  signal: AbortSignal
  /** The printer, set up from --json, --quiet and --progress. */
  output: Output
}

/** One `keymesh <name>` subcommand, in its own file under `commands/`. */
export interface Command {
  /** The word after `keymesh`. */
  name: string
  /** One line for `keymesh --help`. */
  summary: string
  /** The full `--help` text. */
  usage: string
  /**
   * Run to completion and return the exit code. Long-running commands wait for
   * `ctx.signal` and return 0 once closed; one-shot commands reject with its reason when
   * interrupted. Failures reject (the runner prints one line and picks the exit code).
   */
  run(ctx: CommandContext): Promise<number>
}
