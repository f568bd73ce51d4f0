// Cost of durable stores: puts answered by a storing node with and without `storage`.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HyperDHT } from '../src/index.js'
import type { HyperDHTOptions } from '../src/index.js'

const SEQUENTIAL = 300
const PARALLEL = 1000
const PORT = 48_000 + Math.floor(Math.random() * 1000)

async function run(label: string, storage: string | null): Promise<void> {
  const opts: HyperDHTOptions =
    storage === null ? { host: '127.0.0.1' } : { host: '127.0.0.1', storage }
  const server = HyperDHT.bootstrapper(PORT, '127.0.0.1', opts)
  await server.fullyBootstrapped()
  const client = new HyperDHT({
    bootstrap: [{ host: '127.0.0.1', port: PORT }],
    host: '127.0.0.1',
    ephemeral: true
  })
  await client.fullyBootstrapped()

  let start = process.hrtime.bigint()
  for (let i = 0; i < SEQUENTIAL; i++) await client.immutablePut(Buffer.from(`${label} seq ${i}`))
  report(`${label}: sequential immutablePut`, SEQUENTIAL, process.hrtime.bigint() - start)

  start = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) =>
      client.immutablePut(Buffer.from(`${label} par ${i}`))
    )
  )
  report(`${label}: ${PARALLEL} parallel immutablePut`, PARALLEL, process.hrtime.bigint() - start)

  if (storage !== null) {
    const keeper = new HyperDHT({
      bootstrap: [{ host: '127.0.0.1', port: PORT }],
      host: '127.0.0.1',
      ephemeral: true,
      storage: storage + '-publisher'
    })
    await keeper.fullyBootstrapped()
    start = process.hrtime.bigint()
    for (let i = 0; i < SEQUENTIAL; i++) {
      await keeper.immutablePut(Buffer.from(`${label} keep ${i}`), { keepAlive: true })
    }
    report(
      `${label}: sequential immutablePut keepAlive (flushed)`,
      SEQUENTIAL,
      process.hrtime.bigint() - start
    )
    await keeper.destroy()
  }
  await client.destroy()
  await server.destroy()
}

function report(name: string, ops: number, ns: bigint): void {
  const rss_mb = Math.round(process.memoryUsage().rss / 1e6)
  console.log(JSON.stringify({ name, ops, ns_per_op: Number(ns / BigInt(ops)), bytes: 0, rss_mb }))
}

const dir = mkdtempSync(join(tmpdir(), 'keymesh-bench-'))
try {
  await run('memory', null)
  await run('lmdb', join(dir, 'node'))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
