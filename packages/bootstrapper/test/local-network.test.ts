// startLocalNetwork: N persistent nodes joined to a bootstrapper; records; fallback; close; errors.

import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import { startLocalNetwork } from '../src/index.js'
import type { LocalNetworkOptions } from '../src/index.js'
import { createClient, holdPort, isPortFree } from './helpers/net.js'

test('starts N persistent nodes, each fully bootstrapped through the bootstrapper', async (t) => {
  const net = await startLocalNetwork({ nodes: 5, port: 0 })
  t.teardown(() => net.close())

  t.alike(net.bootstrap, [net.bootstrapper.address])
  t.is(net.portFallback, false)
  t.is(net.nodes.length, 5)
  for (const node of net.nodes) {
    t.ok(node.bootstrapped && !node.ephemeral && !node.firewalled, 'persistent and bootstrapped')
    t.alike(
      node.bootstrapNodes.map(({ host, port }) => ({ host, port })),
      net.bootstrap,
      'bootstraps only through the local bootstrapper'
    )
    t.ok(node.toArray().length > 0)
  }
  const ports = net.nodes.map((n) => n.address()?.port)
  t.is(new Set(ports).size, 5, 'every node has its own port')
})

test('a record put by one client is read by another across the network', async (t) => {
  const net = await startLocalNetwork({ nodes: 5, port: 0 })
  t.teardown(() => net.close())

  const writer = createClient(t, net.bootstrapper.bootstrap)
  const reader = createClient(t, net.bootstrapper.bootstrap)
  const keyPair = HyperDHT.keyPair()
  const put = await writer.mutablePut(keyPair, Buffer.from('hello local network'), { seq: 2 })
  t.ok(put.stored > 0, `stored on ${put.stored} nodes`)

  const got = await reader.mutableGet(keyPair.publicKey)
  t.is(got?.value.toString(), 'hello local network')
  t.is(got?.seq, 2)
})

test('nodes: 0 runs just the bootstrapper', async (t) => {
  const net = await startLocalNetwork({ nodes: 0, port: 0 })
  t.teardown(() => net.close())
  t.is(net.nodes.length, 0)
  const client = createClient(t, net.bootstrap[0] as { host: string; port: number })
  await client.fullyBootstrapped()
  t.is(client.toArray().length, 1)
})

test('a taken port falls back to a free one, unless anyPort is false', async (t) => {
  const port = await holdPort(t)
  const net = await startLocalNetwork({ nodes: 1, port })
  t.teardown(() => net.close())
  t.is(net.portFallback, true)
  t.not(net.bootstrapper.address.port, port)

  await t.exception(startLocalNetwork({ nodes: 1, port, anyPort: false }), /PORT_IN_USE/)
})

test('close destroys every node and releases the bootstrapper port', async (t) => {
  const net = await startLocalNetwork({ nodes: 3, port: 0 })
  const { port } = net.bootstrapper.address
  const closing = net.close()
  t.is(net.close(), closing, 'idempotent')
  await closing
  t.ok(net.nodes.every((n) => n.destroyed))
  t.ok(net.bootstrapper.closed)
  t.ok(await isPortFree(port))
})

test('invalid options reject with a typed code and start nothing', async (t) => {
  const cases: [unknown, string][] = [
    [{ nodes: -1 }, 'INVALID_NODES'],
    [{ nodes: 2.5 }, 'INVALID_NODES'],
    [{ nodes: 1001 }, 'INVALID_NODES'],
    [{ host: 'localhost' }, 'INVALID_HOST'],
    [{ port: 70000 }, 'INVALID_PORT']
  ]
  for (const [opts, code] of cases) {
    await t.exception(
      startLocalNetwork(opts as LocalNetworkOptions),
      new RegExp(`\\b${code}: `),
      `${JSON.stringify(opts)} -> ${code}`
    )
  }
})
