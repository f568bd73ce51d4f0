// The keymesh command: pick the subcommand, wire stop signals, print errors, return the exit code.

import { createRequire } from 'node:module'
import type { Command, CommandContext } from './command.js'
import { COMMANDS } from './command-table.js'
import { CliError } from './errors.js'
import { EXIT, exitCodeOf } from './exit-codes.js'
import { EXIT_CODES_HELP, GLOBAL_OPTIONS_HELP } from './help.js'
import { Output } from './output.js'
import { StopSignal } from './signals.js'

/** A closing command gets this long after a stop signal before the process is forced out. */
const CLOSE_TIMEOUT_MS = 10_000

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** Options of {@link runCli}, mostly for embedding and tests. */
export interface RunCliOptions {
  env?: NodeJS.ProcessEnv
  /** Listen for SIGINT/SIGTERM on the process. @default true */
  handleSignals?: boolean
  /** Abort from outside (in addition to the signals). */
  signal?: AbortSignal
}

/** `keymesh --help`. */
export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')
  return `Usage: keymesh <command> [options]

Run a HyperDHT node or a local test network, store and find records, and pipe data over
end-to-end encrypted connections addressed by public keys. Speaks the hyperdht wire protocol.

Commands:
${list}

Run 'keymesh <command> --help' for a command's options.

${GLOBAL_OPTIONS_HELP}
  -v, --version            print the version

${EXIT_CODES_HELP}
`
}

/** The package version, from package.json. */
export function version(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }
  return pkg.version
}

/**
 * Run `keymesh ...argv` (argv without node and the script) and resolve with the exit code.
 * Prints results on stdout and errors (one line, `keymesh <command>: CODE: message`) on stderr.
 */
export async function runCli(argv: string[], opts: RunCliOptions = {}): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    process.stderr.write(mainUsage())
    return EXIT.USAGE
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    const target = name === 'help' ? rest[0] : undefined
    const command = target === undefined ? undefined : findCommand(target)
    process.stdout.write(command !== undefined ? command.usage : mainUsage())
    return target !== undefined && command === undefined ? EXIT.USAGE : EXIT.OK
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(version() + '\n')
    return EXIT.OK
  }

  const command = findCommand(name)
  const flags = flagsOf(rest)
  const output = new Output({
    command: `keymesh ${command?.name ?? name}`,
    json: flags.has('--json'),
    progress: progressMode(flags)
  })
  if (command === undefined) {
    output.error(CliError.usage(`unknown command ${JSON.stringify(name)} (see 'keymesh --help')`))
    return EXIT.USAGE
  }
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(command.usage)
    return EXIT.OK
  }

  const controller = new AbortController()
  const stop = (reason: StopSignal): void => {
    if (controller.signal.aborted) return
    controller.abort(reason)
    // a close that hangs must not keep the process forever
    setTimeout(() => {
      output.error(new CliError('INTERRUPTED', `closing took over ${CLOSE_TIMEOUT_MS} ms`))
      process.exit(EXIT.FAILED)
    }, CLOSE_TIMEOUT_MS).unref()
  }
  const listeners = STOP_SIGNALS.map((sig) => {
    const fn = (): void => {
      if (controller.signal.aborted) {
        output.error(new CliError('INTERRUPTED', `${sig} again: stopped before closing finished`))
        process.exit(EXIT.FAILED)
      }
      stop(new StopSignal(sig))
    }
    if (opts.handleSignals !== false) process.on(sig, fn)
    return [sig, fn] as const
  })
  opts.signal?.addEventListener('abort', () => stop(new StopSignal('SIGTERM')), { once: true })

  const ctx: CommandContext = {
    argv: rest,
    env: opts.env ?? process.env,
    signal: controller.signal,
    output
  }
  try {
    return await command.run(ctx)
  } catch (err) {
    if (err instanceof StopSignal) {
      output.error(err)
      return err.signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM
    }
    const code = exitCodeOf(err)
    output.error(code === EXIT.USAGE ? withHelpHint(err, command.name) : err)
    return code
  } finally {
    for (const [sig, fn] of listeners) process.off(sig, fn)
    await output.flush()
  }
}

// a usage error says where the usage is, still on one line
function withHelpHint(err: unknown, name: string): unknown {
  if (!(err instanceof Error)) return err
  const hint = ` (see 'keymesh ${name} --help')`
  return Object.assign(new Error(err.message + hint), { code: (err as { code?: unknown }).code })
}

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name)
}

// the flags before a `--` (everything after it is data, never a flag)
function flagsOf(argv: string[]): Set<string> {
  const end = argv.indexOf('--')
  return new Set((end === -1 ? argv : argv.slice(0, end)).filter((a) => a.startsWith('-')))
}

function progressMode(flags: Set<string>): 'live' | 'lines' | false {
  if (flags.has('--quiet') || flags.has('-q')) return false
  if (flags.has('--progress')) return 'lines'
  return process.stderr.isTTY ? 'live' : false
}
