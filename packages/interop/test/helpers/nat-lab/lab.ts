// The NAT lab from a test's side: scripts/nat-lab.sh (check, up, site, down) via child_process,
// with teardown on test end and on process exit or SIGINT/SIGTERM, so a failing or interrupted
// run never leaves namespaces or driver processes behind.

import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Driver, killAllDrivers } from './process.js'
import type { Impl, NatType, Role, RoleOptions } from './protocol.js'

/** scripts/nat-lab.sh, from dist/test/helpers/nat-lab/ up to the repository root. */
export const NAT_LAB_SCRIPT = fileURLToPath(
  new URL('../../../../../../scripts/nat-lab.sh', import.meta.url)
)

const SCRIPT_MS = 60_000

/** A site as `nat-lab.sh site` prints it. */
export interface SiteInfo {
  /** The host namespace (where a server or client driver runs). */
  ns: string
  router: string
  type: NatType
  lanHost: string
  /** The host's address as the internet sees it (its router's wan for NAT sites). */
  publicHost: string
}

/** A cleanup registrar: brittle's `t.teardown`. */
export type Teardown = (fn: () => unknown, opts?: { order?: number }) => void

interface ScriptResult {
  code: number
  stdout: string
  stderr: string
}

function runScript(args: string[]): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile('bash', [NAT_LAB_SCRIPT, ...args], { timeout: SCRIPT_MS }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      if (process.env.NAT_LAB_VERBOSE) process.stderr.write(stderr)
      resolve({ code, stdout, stderr })
    })
  })
}

async function runJson<T>(args: string[]): Promise<T> {
  const res = await runScript(args)
  if (res.code !== 0) {
    throw new Error(`nat-lab.sh ${args.join(' ')} failed (${res.code}):\n${res.stderr}`)
  }
  return JSON.parse(res.stdout) as T
}

/** Whether this machine can run the lab; `reason` is the script's one-line explanation. */
export async function checkNatLab(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const res = await runScript(['check'])
  if (res.code === 0) return { ok: true }
  const lines = res.stderr.trim().split('\n')
  const last = (lines[lines.length - 1] ?? '').replace(/^nat-lab: /, '')
  return { ok: false, reason: last || `nat-lab.sh check exited ${res.code}` }
}

/** A prefix unique to this process, so concurrent labs never collide (≤ 7 characters). */
export function defaultPrefix(): string {
  return `km${process.pid % 100000}`
}

/** One lab: the internet namespace and its sites; `down()` removes everything (idempotent). */
export class NatLab {
  readonly prefix: string
  /** The internet namespace (the DHT and relays run there). */
  readonly inet: string
  /** The bridge address of the internet namespace. */
  readonly host: string
  private readonly drivers = new Set<Driver>()
  private downing: Promise<void> | null = null
  private gone = false
  private readonly onExit = (): void => this.downSync()
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.downSync()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }

  private constructor(prefix: string, inet: string, host: string) {
    this.prefix = prefix
    this.inet = inet
    this.host = host
    process.on('exit', this.onExit)
    process.once('SIGINT', this.onSignal)
    process.once('SIGTERM', this.onSignal)
  }

  /** `nat-lab.sh up`; registers `down()` with `teardown` (brittle's `t.teardown`) if given. */
  static async up(opts: { prefix?: string; teardown?: Teardown } = {}): Promise<NatLab> {
    const prefix = opts.prefix ?? defaultPrefix()
    // hooks first: a failing `up` still gets cleaned (the script also undoes a partial up)
    let lab: NatLab | null = null
    try {
      const res = await runJson<{ inet: string; host: string }>(['up', prefix])
      lab = new NatLab(prefix, res.inet, res.host)
      return lab
    } finally {
      if (lab === null) await runScript(['down', prefix])
      else if (opts.teardown) opts.teardown(() => lab?.down(), { order: Infinity })
    }
  }

  /** (Re)create site `n` (1..200) with a fresh router and host namespace. */
  site(n: number, type: NatType): Promise<SiteInfo> {
    return runJson<SiteInfo>(['site', this.prefix, String(n), type])
  }

  /** Start a driver in namespace `ns` (stopped by `down()` at the latest). */
  spawn<R extends Role>(ns: string, role: R, impl: Impl, opts: RoleOptions[R], label?: string) {
    const driver = new Driver(ns, role, impl, opts, label)
    this.drivers.add(driver)
    void driver.exited.then(() => this.drivers.delete(driver))
    return driver
  }

  /** Stop every driver, then `nat-lab.sh down` (which also kills anything left in the lab). */
  down(): Promise<void> {
    if (this.downing === null) {
      this.downing = (async () => {
        await Promise.allSettled([...this.drivers].map((d) => d.stop(2000)))
        const res = await runScript(['down', this.prefix])
        this.gone = res.code === 0
        // on failure the exit hook stays, for one more try
        if (this.gone) this.unhook()
        if (res.code !== 0) throw new Error(`nat-lab.sh down ${this.prefix} failed:\n${res.stderr}`)
      })()
    }
    return this.downing
  }

  private downSync(): void {
    if (this.gone) return
    killAllDrivers()
    spawnSync('bash', [NAT_LAB_SCRIPT, 'down', this.prefix], { stdio: 'ignore', timeout: 20_000 })
    this.unhook()
  }

  private unhook(): void {
    process.removeListener('exit', this.onExit)
    process.removeListener('SIGINT', this.onSignal)
    process.removeListener('SIGTERM', this.onSignal)
  }
}
