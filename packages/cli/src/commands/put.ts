// keymesh put: store an immutable value (addressed by its hash) or a signed mutable record.

import type HyperDHT from '@keymesh/hyperdht'
import type { KeyPair } from '@keymesh/hyperdht'
import { expectPositionals, intArg, parseCommandLine } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'
import { selfCommand } from '../self-command.js'
import { readValue } from '../value-input.js'

const OPTIONS = {
  file: { type: 'string' },
  key: { type: 'string', short: 'k' },
  seq: { type: 'string' }
} as const

/** `keymesh put`. */
export const put: Command = {
  name: 'put',
  summary: 'store an immutable value, or a mutable record signed with a key file',
  usage: helpText(`Usage: keymesh put [<value> | --file FILE | -]
       keymesh put --key FILE [--seq N] [<value> | --file FILE | -]

Store a value on the DHT nodes closest to it.

Without --key the value is immutable: it is stored under its BLAKE2b-256 hash, which is
printed; anyone can read it with 'keymesh get <hash>'.

With --key the value is a mutable record signed by the key file's key pair (see 'keymesh
keygen'); the public key is printed and 'keymesh get --mutable <publicKey>' reads the latest
record. A new record needs a higher --seq than the one stored.

The value is the argument (as UTF-8 text), the contents of --file, or stdin when the argument
is '-' or missing and stdin is not a terminal. Values are small: at most 1850 bytes
(immutable) or 1774 bytes (mutable).

Options:
  --file <file>     read the value from this file
  -k, --key <file>  key file: put a mutable record signed with it
  --seq <n>         sequence number of the mutable record (default: one more than the highest
                    found on the network, or the same when the value is unchanged; 0 if none)

Examples:
  keymesh put --bootstrap 127.0.0.1:49737 'hello world'
  keymesh put --bootstrap 127.0.0.1:49737 --key me.key 'my status'
  date | keymesh put --bootstrap 127.0.0.1:49737 --key me.key -`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 1, 'value')
    const seq = intArg('seq', values.seq, 0, Number.MAX_SAFE_INTEGER)
    if (seq !== undefined && values.key === undefined) {
      throw CliError.usage('--seq needs --key (only mutable records have a sequence number)')
    }
    const keyPair = values.key === undefined ? null : await readKeyFile(values.key)
    const value = await readValue({ arg: positionals[0], file: values.file, stdin: process.stdin })

    return withNode(ctx, values.bootstrap, (node) =>
      keyPair === null ? putImmutable(ctx, node, value) : putMutable(ctx, node, keyPair, value, seq)
    )
  }
}

async function putImmutable(ctx: CommandContext, node: HyperDHT, value: Buffer): Promise<number> {
  ctx.output.progress('storing the value')
  const result = await node.immutablePut(value, { signal: ctx.signal })
  if (result.stored === 0) throw new CliError('PUT_FAILED', refusedText(result.refused))
  const hash = result.hash.toString('hex')
  ctx.output.result({ type: 'immutable', hash, stored: result.stored }, hash)
  ctx.output.notice(`stored on ${nodes(result.stored)}; read it with: ${selfCommand()} get ${hash}`)
  return EXIT.OK
}

async function putMutable(
  ctx: CommandContext,
  node: HyperDHT,
  keyPair: KeyPair,
  value: Buffer,
  seqOpt: number | undefined
): Promise<number> {
  let seq = seqOpt
  if (seq === undefined) {
    ctx.output.progress('looking up the current sequence number')
    const current = await node.mutableGet(keyPair.publicKey, { signal: ctx.signal })
    seq = current === null ? 0 : current.value.equals(value) ? current.seq : current.seq + 1
  }
  ctx.output.progress(`storing the record (seq ${seq})`)
  const result = await node.mutablePut(keyPair, value, { seq, signal: ctx.signal })
  if (result.stored === 0) throw new CliError('PUT_FAILED', refusedText(result.refused))
  const publicKey = result.publicKey.toString('hex')
  ctx.output.result(
    { type: 'mutable', publicKey, seq: result.seq, stored: result.stored },
    publicKey
  )
  ctx.output.notice(
    `seq ${result.seq} stored on ${nodes(result.stored)}; read it with: ${selfCommand()} get --mutable ${publicKey}`
  )
  return EXIT.OK
}

function nodes(n: number): string {
  return n === 1 ? '1 node' : `${n} nodes`
}

function refusedText(refused: readonly { code?: string | number }[]): string {
  if (refused.length === 0) return 'no node stored the value (the network may be too small)'
  const codes = [...new Set(refused.map((r) => String(r.code)))].join(', ')
  return `every node refused the value (${codes})`
}
