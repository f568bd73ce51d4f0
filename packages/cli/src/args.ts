// Command-line parsing: node:util parseArgs with the global options, plus typed option values.

import { isIPv4 } from 'node:net'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { CliError } from './errors.js'

/** The option table of one subcommand, in parseArgs' shape. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>

/** Options every subcommand takes. */
export const GLOBAL_OPTIONS = {
  bootstrap: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies OptionTable

/** The values parseArgs returns for `options` plus the global ones, typed per flag. */
export type ParsedOptions<O extends OptionTable> = ReturnType<
  typeof parseArgs<{
    args: string[]
    options: O & typeof GLOBAL_OPTIONS
    strict: true
    allowPositionals: true
  }>
>['values']

/** A parsed command line: flag values and positional arguments. */
export interface CommandLine<O extends OptionTable> {
  values: ParsedOptions<O>
  positionals: string[]
}

/**
 * Strict parseArgs over `argv` with `options` and the global options. parseArgs' own errors
 * (unknown flag, missing value) become a `USAGE` {@link CliError}.
 */
export function parseCommandLine<O extends OptionTable>(
  argv: string[],
  options: O
): CommandLine<O> {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, ...GLOBAL_OPTIONS },
      strict: true,
      allowPositionals: true
    })
    return parsed as unknown as CommandLine<O>
  } catch (err) {
    if (err instanceof TypeError && typeof Reflect.get(err, 'code') === 'string') {
      throw CliError.usage(err.message.replace(/\. To specify a positional.*$/s, ''))
    }
    throw err
  }
}

/** Throws `USAGE` unless there are between `min` and `max` positional arguments. */
export function expectPositionals(positionals: string[], min: number, max: number, what: string) {
  if (positionals.length < min) throw CliError.usage(`missing ${what}`)
  if (positionals.length > max) {
    throw CliError.usage(`unexpected argument ${JSON.stringify(positionals[max])}`)
  }
}

/** A whole number in `min..max` given as `--name`; `undefined` when absent. */
export function intArg(
  name: string,
  value: string | undefined,
  min: number,
  max: number
): number | undefined {
  if (value === undefined) return undefined
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw CliError.usage(
      `--${name} must be a whole number from ${min} to ${max}, got ${quote(value)}`
    )
  }
  return n
}

/** A port (0..65535) given as `--name`; `undefined` when absent. */
export function portArg(name: string, value: string | undefined): number | undefined {
  return intArg(name, value, 0, 65535)
}

/** A literal IPv4 address given as `--name`; `undefined` when absent. */
export function ipv4Arg(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!isIPv4(value)) throw CliError.usage(`--${name} must be an IPv4 address, got ${quote(value)}`)
  return value
}

/** A `{ host, port }` pair. */
export interface HostPort {
  host: string
  port: number
}

/**
 * `host:port`, or a bare port meaning `defaultHost:port` when `defaultHost` is given. Hostnames
 * are allowed (`localhost:8080`).
 */
export function hostPortArg(name: string, value: string, defaultHost?: string): HostPort {
  const i = value.lastIndexOf(':')
  const host = i === -1 ? defaultHost : value.slice(0, i)
  const portText = i === -1 ? value : value.slice(i + 1)
  if (host === undefined || host === '' || !/^[\w.@-]+$/.test(host)) {
    throw CliError.usage(`--${name} must be host:port, got ${quote(value)}`)
  }
  const port = intArg(name, portText, 0, 65535) as number
  return { host, port }
}

/**
 * The `--bootstrap` list: entries `host:port` (or hyperdht's `ip@hostname:port`), repeated or
 * comma-separated. `undefined` when absent.
 */
export function bootstrapArg(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined
  const list = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
  if (list.length === 0) throw CliError.usage('--bootstrap needs at least one host:port')
  for (const entry of list) {
    const { port } = hostPortArg('bootstrap', entry)
    if (port === 0) throw CliError.usage(`--bootstrap port must not be 0, got ${quote(entry)}`)
  }
  return list
}

/** Exactly 32 bytes as 64 hex characters. */
export function hex32Arg(what: string, value: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw CliError.usage(`${what} must be 64 hex characters, got ${quote(value)}`)
  }
  return Buffer.from(value, 'hex')
}

/**
 * The `--relay-through` list: blind-relay public keys to pick from, each 64 hex characters.
 * `undefined` when absent, so the node's own default (no relay) stays in force.
 */
export function relayThroughArg(values: string[] | undefined): Buffer[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  return values.map((v) => hex32Arg('--relay-through', v))
}

/** `value` in double quotes, shortened for an error line. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value)
}
