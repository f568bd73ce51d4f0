// The README's error table lists exactly the CliError codes, with the exit code of each.

import { readFile } from 'node:fs/promises'
import test from 'brittle'
import { CLI_ERROR_CODES, CliError, EXIT } from '../src/index.js'
import { exitCodeOf } from '../src/exit-codes.js'

test('README error table and CLI_ERROR_CODES agree, exit codes included', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## From code'))
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` +\| ([\d/]+) +\|/gm)]
  t.alike(
    rows.map((r) => r[1]),
    [...CLI_ERROR_CODES],
    'same codes, same order'
  )
  for (const [, code, exit] of rows) {
    if (code === 'INTERRUPTED') continue // the runner maps the signal, not the code
    t.is(String(exitCodeOf(new CliError(code as never))), exit, `${code} exits ${exit}`)
  }
})

test('exit codes: usage 2, not found 3, anything else 1', (t) => {
  t.is(exitCodeOf(CliError.usage('x')), EXIT.USAGE)
  t.is(exitCodeOf(new CliError('NOT_FOUND')), EXIT.NOT_FOUND)
  t.is(exitCodeOf(Object.assign(new Error('x'), { code: 'INVALID_PORT' })), EXIT.USAGE)
  t.is(exitCodeOf(Object.assign(new Error('x'), { code: 'PEER_NOT_FOUND' })), EXIT.FAILED)
  t.is(exitCodeOf(new Error('plain')), EXIT.FAILED)
})
