// The bins' lifecycle: start, run until SIGINT/SIGTERM, close, and map failures to exit codes.

import { BootstrapperError } from '../errors.js'
import { UsageError } from './args.js'

/** Bad command line or option value. */
export const EXIT_USAGE = 2
/** Could not start (port taken, bind failed) or could not stop cleanly. */
export const EXIT_FAILURE = 1

/** A graceful close must not hang the process forever; after this a stop is forced. */
const CLOSE_TIMEOUT_MS = 10_000

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** What a bin's `start` returns: something to close on exit, or `null` to exit at once. */
export interface Running {
  close(): Promise<void>
}

/**
 * Run a long-lived bin: `start(argv)` sets things up and prints; then wait for SIGINT or
 * SIGTERM, close, and exit 0. A second signal while closing exits 1 at once. Usage errors and
 * invalid option values print `name: message` on stderr and exit 2; other start failures
 * exit 1. Never returns.
 */
export async function runBin(
  name: string,
  start: (argv: string[]) => Promise<Running | null>
): Promise<never> {
  // listen before starting, so a signal that arrives during startup still closes cleanly
  let stopRequested = false
  let onStop: (() => void) | null = null
  const onSignal = (): void => {
    if (stopRequested) {
      process.stderr.write(`${name}: stopped before closing finished\n`)
      process.exit(EXIT_FAILURE)
    }
    stopRequested = true
    if (onStop !== null) onStop()
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)

  let running: Running | null
  try {
    running = await start(process.argv.slice(2))
  } catch (err) {
    return fail(name, err)
  }
  if (running === null) process.exit(0)

  if (!stopRequested) await new Promise<void>((resolve) => (onStop = resolve))
  process.stdout.write('Stopping...\n')
  const timer = setTimeout(() => {
    process.stderr.write(`${name}: closing took over ${CLOSE_TIMEOUT_MS} ms\n`)
    process.exit(EXIT_FAILURE)
  }, CLOSE_TIMEOUT_MS)
  try {
    await running.close()
  } catch (err) {
    return fail(name, err)
  }
  clearTimeout(timer)
  process.stdout.write('Stopped.\n')
  process.exit(0)
}

function fail(name: string, err: unknown): never {
  const usage =
    err instanceof UsageError ||
    (err instanceof BootstrapperError && err.code.startsWith('INVALID_'))
  if (usage) {
    process.stderr.write(`${name}: ${(err as Error).message}\nRun '${name} --help' for usage.\n`)
    process.exit(EXIT_USAGE)
  }
  const text = err instanceof BootstrapperError ? err.message : errorText(err)
  process.stderr.write(`${name}: ${text}\n`)
  process.exit(EXIT_FAILURE)
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}
