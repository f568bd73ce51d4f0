// Progress lines on stderr; stdout carries only the final JSON.

const started = process.hrtime.bigint()

/** Print `message` to stderr with the seconds elapsed since start. */
export function progress(message: string): void {
  const s = Number(process.hrtime.bigint() - started) / 1e9
  process.stderr.write(`[bench ${s.toFixed(1).padStart(6)}s] ${message}\n`)
}
