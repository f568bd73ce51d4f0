// The README's error tables list exactly the codes and reasons WireError can carry.

import test from 'brittle'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { WIRE_ERROR_CODES, WIRE_ERROR_REASONS } from '../src/index.js'
import { repoRoot } from './helpers/vectors.js'

/** First-column backticked names of the table whose header starts with `| ${head} |`. */
function tableNames(readme: string, head: string): string[] {
  const lines = readme.split('\n')
  const start = lines.findIndex((l) => new RegExp(`^\\| ${head} +\\|`).test(l))
  const names: string[] = []
  for (const line of lines.slice(start + 2)) {
    const m = /^\| `([A-Z_]+)` +\|/.exec(line)
    if (!m) break
    names.push(m[1] as string)
  }
  return names
}

test('README error tables match WireError', (t) => {
  const readme = readFileSync(join(repoRoot(), 'packages/wire/README.md'), 'utf8')
  t.alike(tableNames(readme, 'code').sort(), [...WIRE_ERROR_CODES].sort(), 'codes')
  t.alike(tableNames(readme, 'reason').sort(), [...WIRE_ERROR_REASONS].sort(), 'reasons')
})
