// A running NAT-lab driver (driver.ts) inside a namespace: typed JSON events with timeouts, and a
// bounded stop. Every live driver is tracked so an exiting test process can kill the rest.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { DriverCommand, DriverEvent, EventName, Impl, Role, RoleOptions } from './protocol.js'

const DRIVER = fileURLToPath(new URL('./driver.js', import.meta.url))
const STDERR_LINES = 80

/** Drivers not yet exited (killed synchronously when the test process exits). */
export const liveDrivers = new Set<Driver>()

type EventOf<K extends EventName> = Extract<DriverEvent, { event: K }>

interface Waiter {
  names: readonly EventName[]
  resolve: (ev: DriverEvent) => void
  reject: (err: Error) => void
}

/** One driver process: `ip netns exec <ns> node driver.js <role> <impl> <json>`. */
export class Driver {
  readonly label: string
  readonly proc: ChildProcess
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>
  private readonly events: DriverEvent[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly stderrTail: string[] = []
  private exit: number | string | null = null

  constructor(ns: string, role: Role, impl: Impl, opts: object, label = `${role}/${impl}@${ns}`) {
    this.label = label
    const args = ['netns', 'exec', ns, process.execPath, DRIVER, role, impl, JSON.stringify(opts)]
    this.proc = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    liveDrivers.add(this)
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = code ?? signal ?? 'unknown'
        liveDrivers.delete(this)
        for (const w of this.waiters) w.reject(this.error(`exited (${this.exit}) before`, w.names))
        this.waiters.clear()
        resolve(this.exit)
      })
    })
    this.proc.once('error', (err) => this.stderrTail.push(`spawn: ${err.message}`))
    this.proc.stdin?.on('error', () => {}) // EPIPE when it already exited
    lines(this.proc.stdout, (line) => this.onLine(line))
    lines(this.proc.stderr, (line) => {
      this.stderrTail.push(line)
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift()
      if (process.env.NAT_LAB_VERBOSE) process.stderr.write(`[${this.label}] ${line}\n`)
    })
  }

  /**
   * The next event named in `names` (consumed; earlier events of other names stay queued).
   * Rejects after `ms`, or when the process exits first; the message carries its stderr tail.
   */
  next<K extends EventName>(names: readonly K[], ms: number): Promise<EventOf<K>> {
    const i = this.events.findIndex((ev) => (names as readonly EventName[]).includes(ev.event))
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0] as EventOf<K>)
    if (this.exit !== null) return Promise.reject(this.error(`exited (${this.exit}) before`, names))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(this.error(`no event within ${ms} ms:`, names))
      }, ms)
      const waiter: Waiter = {
        names,
        resolve: (ev) => {
          clearTimeout(timer)
          resolve(ev as EventOf<K>)
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        }
      }
      this.waiters.add(waiter)
    })
  }

  send(cmd: DriverCommand): void {
    if (this.exit === null) this.proc.stdin?.write(JSON.stringify(cmd) + '\n')
  }

  /** Close stdin (the driver shuts down), SIGTERM after `ms / 2`, SIGKILL after `ms`. */
  async stop(ms = 4000): Promise<void> {
    if (this.exit !== null) return
    this.proc.stdin?.end()
    const term = setTimeout(() => this.proc.kill('SIGTERM'), ms / 2)
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), ms)
    await this.exited
    clearTimeout(term)
    clearTimeout(kill)
  }

  /** The last lines the driver wrote to stderr. */
  stderr(): string {
    return this.stderrTail.join('\n')
  }

  private onLine(line: string): void {
    let ev: DriverEvent
    try {
      ev = JSON.parse(line) as DriverEvent
    } catch {
      this.stderrTail.push(`stdout: ${line}`)
      return
    }
    for (const w of this.waiters) {
      if (!w.names.includes(ev.event)) continue
      this.waiters.delete(w)
      w.resolve(ev)
      return
    }
    this.events.push(ev)
  }

  private error(what: string, names: readonly EventName[]): Error {
    const tail = this.stderr()
    return new Error(
      `${this.label}: ${what} ${names.join('/')}` + (tail === '' ? '' : `\n--- stderr ---\n${tail}`)
    )
  }
}

/** Spawn a driver for `role` in namespace `ns`. */
export function spawnDriver<R extends Role>(
  ns: string,
  role: R,
  impl: Impl,
  opts: RoleOptions[R],
  label?: string
): Driver {
  return new Driver(ns, role, impl, opts, label)
}

/** Kill every live driver now (synchronous: for process exit handlers). */
export function killAllDrivers(): void {
  for (const d of liveDrivers) d.proc.kill('SIGKILL')
}

function lines(stream: NodeJS.ReadableStream | null, online: (line: string) => void): void {
  if (stream === null) return
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      online(buf.slice(0, i))
      buf = buf.slice(i + 1)
    }
  })
}
