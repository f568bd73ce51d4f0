// The keymesh-bootstrap bin as a child process: address line, clients, signals, exit codes.

import test from 'brittle'
import { LISTENING_LINE } from '../src/cli/banner.js'
import { runBin } from './helpers/child.js'
import { createClient, holdPort, isPortFree } from './helpers/net.js'

test('prints its address, serves clients, and exits 0 on SIGTERM with nothing on stderr', async (t) => {
  const bin = runBin(t, 'keymesh-bootstrap', ['--port', '0'])
  const [, host, portText] = await bin.waitFor(LISTENING_LINE)
  const port = Number(portText)
  t.is(host, '127.0.0.1')
  t.ok(port > 0)
  t.ok(bin.stdout().includes(`new HyperDHT({ bootstrap: ['127.0.0.1:${port}'] })`))

  const client = createClient(t, `127.0.0.1:${port}`)
  await client.fullyBootstrapped()
  t.alike(client.toArray(), [{ host: '127.0.0.1', port }])

  bin.child.kill('SIGTERM')
  t.is(await bin.exited, 0)
  t.is(bin.stderr(), '')
  t.ok(bin.stdout().endsWith('Stopped.\n'))
  t.ok(await isPortFree(port), 'the port is released')
})

test('--help prints usage and exits 0', async (t) => {
  const bin = runBin(t, 'keymesh-bootstrap', ['--help'])
  t.is(await bin.exited, 0)
  t.ok(bin.stdout().startsWith('Usage: keymesh-bootstrap'))
  t.is(bin.stderr(), '')
})

test('bad arguments print a message on stderr and exit 2', async (t) => {
  const cases = [
    ['--port', 'abc'],
    ['--port', '70000'],
    ['--port'],
    ['--host', 'localhost'],
    ['--nope'],
    ['extra']
  ]
  for (const args of cases) {
    const bin = runBin(t, 'keymesh-bootstrap', args)
    t.is(await bin.exited, 2, args.join(' '))
    t.ok(/^keymesh-bootstrap: .+\nRun 'keymesh-bootstrap --help'/.test(bin.stderr()))
    t.is(bin.stdout(), '')
  }
})

test('a taken port exits 1 with PORT_IN_USE', async (t) => {
  const port = await holdPort(t)
  const bin = runBin(t, 'keymesh-bootstrap', ['--port', String(port)])
  t.is(await bin.exited, 1)
  t.ok(bin.stderr().includes('PORT_IN_USE'))
})
