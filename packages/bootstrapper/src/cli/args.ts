// Command-line parsing for the bins: node:util parseArgs plus typed port/count values.

import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { BootstrapperError } from '../errors.js'
import { validateNodes, validatePort } from '../validate.js'

/** A command line the bin cannot run (unknown flag, missing value, stray argument): exit 2. */
export class UsageError extends Error {
  /** Always `'UsageError'`. */
  override get name(): string {
    return 'UsageError'
  }
}

/** The option table of one bin, in parseArgs' shape. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>

/** The values parseArgs returns for `options`, typed per flag. */
export type ParsedOptions<O extends OptionTable> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values']

/**
 * Strict parseArgs over `argv` (no positionals, no unknown flags). parseArgs' own errors become
 * a {@link UsageError} carrying its message.
 */
export function parseCommandLine<O extends OptionTable>(
  argv: string[],
  options: O
): ParsedOptions<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (err) {
    if (err instanceof TypeError && typeof Reflect.get(err, 'code') === 'string') {
      throw new UsageError(err.message)
    }
    throw err
  }
}

/** `--port` as a number: digits only, 0..65535; `undefined` when absent. */
export function portArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw BootstrapperError.INVALID_PORT(value)
  return validatePort(Number(value))
}

/** `--nodes` as a number: digits only, 0..max; `undefined` when absent. */
export function countArg(value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw BootstrapperError.INVALID_NODES(value, max)
  return validateNodes(Number(value), max)
}
