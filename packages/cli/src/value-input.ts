// The value of a put: from the command line, a file, or stdin.

import { readFile } from 'node:fs/promises'
import { CliError } from './errors.js'

/** Larger inputs are refused before reading further; hyperdht's own caps are far lower. */
const MAX_INPUT_BYTES = 64 * 1024

/** Where {@link readValue} reads from. */
export interface ValueSource {
  /** The positional value; `-` means stdin. */
  arg: string | undefined
  /** `--file`. */
  file: string | undefined
  /** Standard input (read when `arg` is `-`, or when nothing else is given and it is not a terminal). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
}

/**
 * The bytes to put: the argument (UTF-8), `--file`, or stdin. Exactly one source; an empty
 * value is a usage error (hyperdht stores nothing for it).
 */
export async function readValue(source: ValueSource): Promise<Buffer> {
  if (source.arg !== undefined && source.file !== undefined) {
    throw CliError.usage('give the value as an argument or with --file, not both')
  }
  let value: Buffer
  if (source.file !== undefined) {
    try {
      value = await readFile(source.file)
    } catch (err) {
      throw new CliError('FILE_READ_FAILED', `${source.file}: ${(err as Error).message}`, {
        cause: err
      })
    }
  } else if (source.arg !== undefined && source.arg !== '-') {
    value = Buffer.from(source.arg, 'utf8')
  } else if (source.arg === '-' || source.stdin.isTTY !== true) {
    value = await readAll(source.stdin)
  } else {
    throw CliError.usage('missing value (an argument, --file FILE, or - for stdin)')
  }
  if (value.byteLength === 0) throw CliError.usage('the value is empty')
  return value
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buf.byteLength
    if (size > MAX_INPUT_BYTES) {
      throw CliError.usage(`the value on stdin is over ${MAX_INPUT_BYTES} bytes`)
    }
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}
