// Help text shared by every subcommand: the global options and the exit codes.

import { BOOTSTRAP_ENV } from './network.js'

/** The global options, as listed at the end of every `--help`. */
export const GLOBAL_OPTIONS_HELP = `Global options:
  --bootstrap <host:port>  bootstrap nodes, repeated or comma-separated (default:
                           $${BOOTSTRAP_ENV}, else the public HyperDHT bootstrap nodes)
  --json                   print results as JSON, one object per line
  -q, --quiet              no progress on stderr
  --progress               progress as plain lines on stderr even when it is not a terminal
  -h, --help               show this help`

/** The exit codes, as listed at the end of every `--help`. */
export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 failed, 2 bad arguments, 3 nothing found,
130/143 interrupted by SIGINT/SIGTERM (long-running commands exit 0 when stopped).`

/** A subcommand's full help: its own text, then the global options and exit codes. */
export function helpText(own: string): string {
  return `${own.trimEnd()}\n\n${GLOBAL_OPTIONS_HELP}\n\n${EXIT_CODES_HELP}\n`
}
