// What a subcommand prints: results (text or --json) on stdout, progress and errors on stderr.

import { errorLine, codeOf } from './exit-codes.js'

/** How {@link Output} prints. */
export interface OutputOptions {
  /** The subcommand, for `keymesh <command>: ...` lines. */
  command: string
  /** `--json`: results as one JSON object per line. */
  json: boolean
  /** Show progress: `'live'` redraws one line (a terminal), `'lines'` prints each step, or off. */
  progress: 'live' | 'lines' | false
  /** stdout carries data (serve/connect over stdio): results and notices go to stderr instead. */
  dataOnStdout?: boolean
  /** Where stdout and stderr go. @default process.stdout, process.stderr */
  stdout?: NodeJS.WritableStream
  stderr?: NodeJS.WritableStream
}

/** The printer of one subcommand run. */
export class Output {
  readonly command: string
  readonly json: boolean
  private readonly progressMode: 'live' | 'lines' | false
  private out: NodeJS.WritableStream
  private readonly err: NodeJS.WritableStream
  private liveLine = false

  constructor(opts: OutputOptions) {
    this.command = opts.command
    this.json = opts.json
    this.progressMode = opts.progress
    this.err = opts.stderr ?? process.stderr
    this.out = opts.dataOnStdout === true ? this.err : (opts.stdout ?? process.stdout)
  }

  /** From now on stdout carries data: results and notices go to stderr. */
  dataOnStdout(): void {
    this.out = this.err
  }

  /** Report a step of a long operation (stderr; nothing unless progress is on). */
  progress(text: string): void {
    if (this.progressMode === 'live') {
      this.err.write(`\r\x1b[K${this.command}: ${text}`)
      this.liveLine = true
    } else if (this.progressMode === 'lines') {
      this.err.write(`${this.command}: ${text}\n`)
    }
  }

  /** Erase a live progress line before printing anything else. */
  clearProgress(): void {
    if (!this.liveLine) return
    this.err.write('\r\x1b[K')
    this.liveLine = false
  }

  /** Print a result: `data` as one JSON line with --json, else `text` (a trailing newline is added). */
  result(data: unknown, text: string): void {
    this.clearProgress()
    if (this.json) this.out.write(JSON.stringify(data) + '\n')
    else if (text !== '') this.out.write(text.endsWith('\n') ? text : text + '\n')
  }

  /** Print raw bytes (a value) on stdout. */
  raw(bytes: Uint8Array): void {
    this.clearProgress()
    this.out.write(bytes)
  }

  /** A notice on stderr, `keymesh <command>: text`; suppressed by --json. */
  notice(text: string): void {
    this.clearProgress()
    if (!this.json) this.err.write(`${this.command}: ${text}\n`)
  }

  /** A line on stderr, `keymesh <command>: text`, even with --json. */
  warn(text: string): void {
    this.clearProgress()
    this.err.write(`${this.command}: ${text}\n`)
  }

  /** The one-line error for `err` on stderr (and as JSON on stdout with --json). */
  error(err: unknown): void {
    this.clearProgress()
    const line = errorLine(err)
    this.err.write(`${this.command}: ${line}\n`)
    if (this.json && this.out !== this.err) {
      const message = line.slice(line.indexOf(':') + 1).trim()
      this.out.write(JSON.stringify({ ok: false, code: codeOf(err), message }) + '\n')
    }
  }

  /** Resolves once everything written so far is flushed (before `process.exit`). */
  flush(): Promise<void> {
    const drain = (s: NodeJS.WritableStream): Promise<void> =>
      new Promise((resolve) => {
        if (!s.writable) return resolve()
        s.write('', () => resolve())
      })
    return Promise.all([drain(this.out), drain(this.err)]).then(() => undefined)
  }
}
