// keymesh get: read an immutable value by hash, or the latest mutable record of a public key.

import type HyperDHT from '@keymesh/hyperdht'
import { expectPositionals, hex32Arg, intArg, parseCommandLine } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'

const OPTIONS = {
  mutable: { type: 'boolean', short: 'm' },
  key: { type: 'string', short: 'k' },
  seq: { type: 'string' }
} as const

/** `keymesh get`. */
export const get: Command = {
  name: 'get',
  summary: 'read an immutable value by hash, or the latest mutable record of a public key',
  usage: helpText(`Usage: keymesh get <hash>
       keymesh get --mutable <publicKey> [--seq N]
       keymesh get --key FILE [--seq N]

Read a value from the DHT and write it to stdout exactly as stored (no newline added).

  <hash>                  an immutable value, by the hash 'keymesh put' printed
  --mutable <publicKey>   the mutable record with the highest valid seq signed by this key
  --key <file>            the same, for the public key in a key file

Hashes and public keys are 64 hex characters. Records whose signature or hash does not
verify are never returned. Nothing found exits 3.

Options:
  -m, --mutable     the argument is a public key: read its mutable record
  -k, --key <file>  read the mutable record of this key file's public key
  --seq <n>         only accept a mutable record with at least this seq

With --json, prints {"type","hash"|"publicKey","seq","value"} with the value in base64.

Examples:
  keymesh get --bootstrap 127.0.0.1:49737 <hash>
  keymesh get --bootstrap 127.0.0.1:49737 --mutable <publicKey> --json`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    const seq = intArg('seq', values.seq, 0, Number.MAX_SAFE_INTEGER)
    if (values.key !== undefined) {
      expectPositionals(positionals, 0, 0, '')
      const { publicKey } = await readKeyFile(values.key)
      return withNode(ctx, values.bootstrap, (node) => getMutable(ctx, node, publicKey, seq))
    }
    expectPositionals(positionals, 1, 1, values.mutable === true ? 'public key' : 'hash')
    const target = hex32Arg(
      values.mutable === true ? 'the public key' : 'the hash',
      positionals[0] as string
    )
    if (values.mutable === true) {
      return withNode(ctx, values.bootstrap, (node) => getMutable(ctx, node, target, seq))
    }
    if (seq !== undefined) throw CliError.usage('--seq needs --mutable or --key')
    return withNode(ctx, values.bootstrap, (node) => getImmutable(ctx, node, target))
  }
}

async function getImmutable(ctx: CommandContext, node: HyperDHT, hash: Buffer): Promise<number> {
  ctx.output.progress('looking for the value')
  const result = await node.immutableGet(hash, { signal: ctx.signal })
  if (result === null) throw new CliError('NOT_FOUND', `no value under ${hash.toString('hex')}`)
  print(ctx, { type: 'immutable', hash: hash.toString('hex') }, result.value)
  return EXIT.OK
}

async function getMutable(
  ctx: CommandContext,
  node: HyperDHT,
  publicKey: Buffer,
  seq: number | undefined
): Promise<number> {
  ctx.output.progress('looking for the latest record')
  const result = await node.mutableGet(publicKey, {
    signal: ctx.signal,
    ...(seq !== undefined ? { seq } : {})
  })
  if (result === null) {
    const atLeast = seq === undefined ? '' : ` with seq >= ${seq}`
    throw new CliError('NOT_FOUND', `no record${atLeast} for ${publicKey.toString('hex')}`)
  }
  print(
    ctx,
    { type: 'mutable', publicKey: publicKey.toString('hex'), seq: result.seq },
    result.value
  )
  return EXIT.OK
}

function print(ctx: CommandContext, fields: Record<string, unknown>, value: Buffer): void {
  if (ctx.output.json) ctx.output.result({ ...fields, value: value.toString('base64') }, '')
  else ctx.output.raw(value)
}
