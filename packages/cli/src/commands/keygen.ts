// keymesh keygen: make an Ed25519 key pair, write it to a key file (0600), print the public key.

import { expectPositionals, hex32Arg, parseCommandLine } from '../args.js'
import type { Command } from '../command.js'
import { loadHyperDHT } from '../deps.js'
import { EXIT } from '../exit-codes.js'
import { helpText } from '../help.js'
import { formatKeyFile, writeKeyFile } from '../key-file.js'

const OPTIONS = {
  seed: { type: 'string' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' }
} as const

/** `keymesh keygen`. */
export const keygen: Command = {
  name: 'keygen',
  summary: 'make a key pair and write it to a key file',
  usage: helpText(`Usage: keymesh keygen [--out FILE] [--seed HEX] [--force]

Make an Ed25519 key pair (the identity of a server, or the signer of mutable records and
announces). With --out, write it to FILE (JSON, readable by you only: mode 0600) and print the
public key. Without --out, print the key file itself on stdout (it holds the secret key).
No network is used.

Options:
  -o, --out <file>  write the key file here (refuses to replace a file unless --force)
  --seed <hex>      derive the key pair from this 32-byte seed (64 hex characters) instead of
                    random bytes: the same seed always gives the same key pair
  -f, --force       replace an existing --out file

Examples:
  keymesh keygen --out server.key
  keymesh keygen --seed $(openssl rand -hex 32) --json`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const seed = values.seed === undefined ? undefined : hex32Arg('--seed', values.seed)
    const { default: HyperDHT } = await loadHyperDHT()
    const keyPair = HyperDHT.keyPair(seed)
    const publicKey = keyPair.publicKey.toString('hex')

    if (values.out === undefined) {
      // the key file itself is the result; --json gets the same fields on one line
      ctx.output.result(JSON.parse(formatKeyFile(keyPair)), formatKeyFile(keyPair))
      return EXIT.OK
    }
    await writeKeyFile(values.out, keyPair, values.force === true)
    ctx.output.result({ publicKey, file: values.out }, publicKey)
    return EXIT.OK
  }
}
