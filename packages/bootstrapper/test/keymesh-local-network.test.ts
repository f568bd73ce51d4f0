// The keymesh-local-network bin as a child process: usage text, the printed one-liner, signals.

import { spawn } from 'node:child_process'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { LISTENING_LINE } from '../src/cli/banner.js'
import type { TestInstance } from './helpers/brittle.js'
import { runBin } from './helpers/child.js'
import { createClient, holdPort } from './helpers/net.js'

test('prints the address and how to use it; clients share records; SIGINT exits 0', async (t) => {
  const bin = runBin(t, 'keymesh-local-network', ['--nodes', '3', '--port', '0'])
  const [line, host, portText] = await bin.waitFor(LISTENING_LINE)
  const bootstrap = `${host}:${portText}`
  t.ok(line.length > 0)
  await bin.waitFor(/Press Ctrl\+C to stop\./)
  const out = bin.stdout()
  t.ok(out.includes('(a bootstrapper and 3 nodes)'))
  t.ok(out.includes(`Bootstrap address: ${bootstrap}`))
  t.ok(out.includes(`new HyperDHT({ bootstrap: ['${bootstrap}'] })`))
  t.ok(out.includes('the real hyperdht package works the same'))

  const writer = createClient(t, bootstrap)
  const reader = createClient(t, bootstrap)
  const keyPair = HyperDHT.keyPair()
  await writer.mutablePut(keyPair, Buffer.from('via the bin'))
  t.is((await reader.mutableGet(keyPair.publicKey))?.value.toString(), 'via the bin')

  bin.child.kill('SIGINT')
  t.is(await bin.exited, 0)
  t.is(bin.stderr(), '')
})

test('the printed shell one-liner runs from another process and prints hello', async (t) => {
  const bin = runBin(t, 'keymesh-local-network', ['--nodes', '2', '--port', '0'])
  await bin.waitFor(/Press Ctrl\+C to stop\./)
  const [, script] = bin.stdout().match(/node --input-type=module -e "(.+)"\n/) ?? []
  t.ok(script, 'a one-liner is printed')
  t.absent(/["$`!\\]/.test(script ?? ''), 'nothing a double-quoted shell string would expand')

  const result = await runNode(t, ['--input-type=module', '-e', script ?? ''], { cwd: '/' })
  t.is(result.stdout, 'hello\n')
  t.is(result.code, 0)
})

test('--help prints usage and exits 0', async (t) => {
  const bin = runBin(t, 'keymesh-local-network', ['-h'])
  t.is(await bin.exited, 0)
  t.ok(bin.stdout().startsWith('Usage: keymesh-local-network'))
})

test('bad arguments exit 2; a taken explicit --port exits 1 without falling back', async (t) => {
  for (const args of [['--nodes', 'ten'], ['--nodes=-1'], ['--nodes', '5000'], ['--port', 'x']]) {
    const bin = runBin(t, 'keymesh-local-network', args)
    t.is(await bin.exited, 2, args.join(' '))
    t.ok(bin.stderr().startsWith('keymesh-local-network: '))
  }
  const port = await holdPort(t)
  const bin = runBin(t, 'keymesh-local-network', ['--nodes', '1', '--port', String(port)])
  t.is(await bin.exited, 1)
  t.ok(bin.stderr().includes('PORT_IN_USE'))
})

// runs `node args` to completion (killed on teardown if it hangs)
function runNode(
  t: TestInstance,
  args: string[],
  opts: { cwd: string }
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}
