// Running the built keymesh bin as a child process: feed stdin, wait for output, clean up.

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestInstance } from './brittle.js'

/** How long to wait for a line before failing the test (well under brittle's timeout). */
const WAIT_TIMEOUT_MS = 20_000

/** Absolute path of dist/src/bin/keymesh.js (tests run from dist/test). */
export const KEYMESH_BIN = fileURLToPath(new URL('../../src/bin/keymesh.js', import.meta.url))

/** A running `keymesh ...` with its output so far. */
export interface KeymeshProcess {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  /** Everything written on stdout, as bytes. */
  stdoutBytes(): Buffer
  /**
   * First match of `pattern` on stdout (or stderr), waiting for more output if needed; rejects
   * after `timeoutMs` (default 20 s) or when the process exits first.
   */
  waitFor(
    pattern: RegExp,
    stream?: 'stdout' | 'stderr',
    timeoutMs?: number
  ): Promise<RegExpMatchArray>
  /** The JSON lines printed on stdout so far. */
  jsonLines(): Record<string, unknown>[]
  /** The exit code, or the signal name. */
  exited: Promise<number | string>
}

/** Options of {@link keymesh}. */
export interface KeymeshOptions {
  /** Written to stdin, then stdin is ended; `'open'` leaves stdin open for the test. */
  stdin?: string | Buffer | 'open'
  env?: NodeJS.ProcessEnv
}

/**
 * Spawn `node dist/src/bin/keymesh.js ...args` without inheriting `KEYMESH_BOOTSTRAP`, so
 * nothing reaches the public network by accident. Killed (SIGKILL) on teardown if running.
 */
export function keymesh(
  t: TestInstance,
  args: string[],
  opts: KeymeshOptions = {}
): KeymeshProcess {
  const env = { ...process.env, ...opts.env }
  if (opts.env?.['KEYMESH_BOOTSTRAP'] === undefined) delete env['KEYMESH_BOOTSTRAP']
  const child = spawn(process.execPath, [KEYMESH_BIN, ...args], { env, stdio: 'pipe' })
  const out: Buffer[] = []
  let err = ''
  let closed = false
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const fn of listeners) fn()
  }
  child.stdout.on('data', (chunk: Buffer) => {
    out.push(chunk)
    notify()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
    notify()
  })
  child.stdin.on('error', () => {}) // the child may exit before reading it all
  if (opts.stdin !== 'open') child.stdin.end(opts.stdin ?? '')

  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      closed = true
      resolve(code ?? signal ?? 'unknown')
      notify()
    })
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })

  const stdout = (): string => Buffer.concat(out).toString('utf8')

  function waitFor(
    pattern: RegExp,
    stream: 'stdout' | 'stderr' = 'stdout',
    timeoutMs = WAIT_TIMEOUT_MS
  ): Promise<RegExpMatchArray> {
    const text = (): string => (stream === 'stdout' ? stdout() : err)
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = text().match(pattern)
        if (match !== null) return done(null, match)
        if (closed) done(new Error(`keymesh exited before printing ${pattern}; stderr: ${err}`))
      }
      const timer = setTimeout(
        () => done(new Error(`keymesh did not print ${pattern} in time; ${stream}: ${text()}`)),
        timeoutMs
      )
      const done = (error: Error | null, match?: RegExpMatchArray): void => {
        clearTimeout(timer)
        listeners.delete(check)
        if (error !== null) reject(error)
        else resolve(match as RegExpMatchArray)
      }
      listeners.add(check)
      check()
    })
  }

  function jsonLines(): Record<string, unknown>[] {
    return stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  }

  return {
    child,
    stdout,
    stderr: () => err,
    stdoutBytes: () => Buffer.concat(out),
    waitFor,
    jsonLines,
    exited
  }
}

/** Run `keymesh ...args` to the end: its exit code and output. */
export async function keymeshDone(
  t: TestInstance,
  args: string[],
  opts: KeymeshOptions = {}
): Promise<{ code: number | string; stdout: string; stderr: string; stdoutBytes: Buffer }> {
  const p = keymesh(t, args, opts)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr(), stdoutBytes: p.stdoutBytes() }
}
