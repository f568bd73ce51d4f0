// tempDir: a fresh directory under the OS temp dir, removed at teardown.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A new empty directory, removed (recursively) when the test ends. */
export function tempDir(t: {
  teardown(fn: () => unknown, opts?: { order?: number }): void
}): string {
  const dir = mkdtempSync(join(tmpdir(), 'keymesh-storage-'))
  // after the nodes using it (testnets tear down at Infinity)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }), { order: Infinity })
  return dir
}
