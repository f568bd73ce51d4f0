// Running a package bin as a child process: read its output, wait for lines, clean up.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestInstance } from './brittle.js'

/** How long to wait for a line before failing the test (well under brittle's 30 s). */
const LINE_TIMEOUT_MS = 10_000

/** A running bin with its output so far. */
export interface BinProcess {
  child: ChildProcess
  /** Everything printed on stdout so far. */
  stdout(): string
  /** Everything printed on stderr so far. */
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout, waiting for more output if needed. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or the signal's name) once the process exited. */
  exited: Promise<number | string>
}

/** Absolute path of a bin in dist/src/bin (tests run from dist/test). */
export function binPath(name: string): string {
  return fileURLToPath(new URL(`../../src/bin/${name}.js`, import.meta.url))
}

/** Spawn `node dist/src/bin/<name>.js ...args`; killed on teardown if still running. */
export function runBin(t: TestInstance, name: string, args: string[]): BinProcess {
  const child = spawn(process.execPath, [binPath(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  let closed = false
  const listeners = new Set<() => void>()
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const fn of listeners) fn()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      closed = true
      resolve(code ?? signal ?? 'unknown')
      for (const fn of listeners) fn()
    })
  })

  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })

  function waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = out.match(pattern)
        if (match !== null) return done(null, match)
        // 'close' comes after the last output, so nothing more can match
        if (closed) {
          done(new Error(`${name} exited before printing ${pattern}; stderr: ${err}`))
        }
      }
      const timer = setTimeout(
        () => done(new Error(`${name} did not print ${pattern} in time; stdout: ${out}`)),
        LINE_TIMEOUT_MS
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

  return { child, stdout: () => out, stderr: () => err, waitFor, exited }
}
