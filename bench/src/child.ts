// Parent side of a worker: forks `worker.js <impl>` with --expose-gc and calls its commands.

import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ImplName } from './impl.js'
import type { CommandName, Commands, Request, Response, Results } from './protocol.js'

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url))

/** A command that has not answered within this long kills the child (a hung testnet). */
export const CALL_TIMEOUT_MS = 15 * 60_000

interface Pending {
  resolve: (result: Results[CommandName]) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** One implementation's child process. Its stdout and stderr go to our stderr. */
export class Worker {
  readonly impl: ImplName
  private readonly proc: ChildProcess
  private readonly pending = new Map<number, Pending>()
  private readonly exited: Promise<number | null>
  private nextId = 1

  constructor(impl: ImplName) {
    this.impl = impl
    this.proc = fork(WORKER_PATH, [impl], {
      execArgv: ['--expose-gc'],
      // stdout of the child must not mix into the JSON on ours
      stdio: ['ignore', 2, 2, 'ipc']
    })
    this.proc.on('message', (res: Response) => this.onresponse(res))
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code) => {
        this.failAll(new Error(`${impl} child exited (${code ?? 'signal'})`))
        resolve(code)
      })
    })
  }

  /** Send one command and wait for its result; rejects on a remote error, exit or timeout. */
  call<K extends CommandName>(cmd: K, args: Commands[K]): Promise<Results[K]> {
    const id = this.nextId++
    return new Promise<Results[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        this.proc.kill('SIGKILL')
        reject(new Error(`${this.impl} ${cmd}: no reply within ${CALL_TIMEOUT_MS} ms`))
      }, CALL_TIMEOUT_MS)
      this.pending.set(id, {
        resolve: resolve as (result: Results[CommandName]) => void,
        reject,
        timer
      })
      this.proc.send({ id, cmd, args } as Request)
    })
  }

  /** Destroy the child's testnets and wait for it to exit. */
  async close(): Promise<Results['close'] | null> {
    let result: Results['close'] | null = null
    try {
      result = await this.call('close', {})
    } catch {
      this.proc.kill('SIGKILL')
    }
    await this.exited
    return result
  }

  private onresponse(res: Response): void {
    const pending = this.pending.get(res.id)
    if (pending === undefined) return
    this.pending.delete(res.id)
    clearTimeout(pending.timer)
    if (res.ok) pending.resolve(res.result)
    else pending.reject(new Error(`${this.impl}: ${res.error}`))
  }

  private failAll(err: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer)
      pending.reject(err)
      this.pending.delete(id)
    }
  }
}
