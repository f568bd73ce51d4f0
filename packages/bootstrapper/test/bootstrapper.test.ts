// startBootstrapper on real UDP sockets: binding, serving clients, closing, and its errors.

import test from 'brittle'
import { BootstrapperError, startBootstrapper } from '../src/index.js'
import type { BootstrapperOptions } from '../src/index.js'
import { createClient, holdPort, isPortFree } from './helpers/net.js'

test('port 0 binds a free port; the node is a persistent, unfirewalled bootstrap node', async (t) => {
  const b = await startBootstrapper({ port: 0 })
  t.teardown(() => b.close())

  t.is(b.address.host, '127.0.0.1')
  t.ok(b.address.port > 0)
  t.is(b.bootstrap, `127.0.0.1:${b.address.port}`)
  t.alike(b.bound, b.address, 'bound on the loopback address it announces')
  t.is(b.node.address()?.port, b.address.port, 'the socket holds exactly that port')
  t.is(b.node.ephemeral, false)
  t.is(b.node.firewalled, false)
  t.ok(b.node.id !== null && b.node.id.byteLength === 32, 'has its id H(host:port)')
  t.is(b.node.bootstrapNodes.length, 0, 'knows no other bootstrap node, public or not')
})

test('a HyperDHT client on 127.0.0.1 bootstraps through it', async (t) => {
  const b = await startBootstrapper({ port: 0 })
  t.teardown(() => b.close())

  const client = createClient(t, b.bootstrap)
  await client.fullyBootstrapped()
  t.alike(client.toArray(), [b.address], 'the bootstrapper is in the client table')
})

test('close releases the port, is idempotent, and the port can be bound again', async (t) => {
  const b = await startBootstrapper({ port: 0 })
  const { port } = b.address
  t.absent(await isPortFree(port), 'held while running')

  const closing = b.close()
  t.is(b.close(), closing, 'a second close returns the same promise')
  await closing
  t.ok(b.closed)
  t.ok(b.node.destroyed)
  t.ok(await isPortFree(port), 'released')

  const again = await startBootstrapper({ port })
  t.teardown(() => again.close())
  t.is(again.address.port, port)
})

test('a taken port rejects with PORT_IN_USE instead of moving or crashing', async (t) => {
  const port = await holdPort(t)
  await t.exception(startBootstrapper({ port }), /PORT_IN_USE/)
  try {
    await startBootstrapper({ port })
    t.fail('should reject')
  } catch (err) {
    t.ok(err instanceof BootstrapperError)
    t.is((err as BootstrapperError).code, 'PORT_IN_USE')
    t.is(((err as BootstrapperError).cause as { code?: string }).code, 'EADDRINUSE')
  }
})

test('bindHost 0.0.0.0 binds every interface and still announces host', async (t) => {
  const b = await startBootstrapper({ port: 0, bindHost: '0.0.0.0' })
  t.teardown(() => b.close())
  t.alike(b.bound, { host: '0.0.0.0', port: b.address.port })
  t.is(b.bootstrap, `127.0.0.1:${b.address.port}`)

  const client = createClient(t, b.address)
  await client.fullyBootstrapped()
  t.is(client.toArray().length, 1)
})

test('an address that is not local rejects with BIND_FAILED', async (t) => {
  // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface
  await t.exception(startBootstrapper({ port: 0, bindHost: '192.0.2.1' }), /BIND_FAILED/)
  await t.exception(startBootstrapper({ port: 40000, bindHost: '192.0.2.1' }), /BIND_FAILED/)
})

test('invalid options reject with INVALID_PORT or INVALID_HOST', async (t) => {
  const cases: [unknown, 'INVALID_PORT' | 'INVALID_HOST'][] = [
    [{ port: -1 }, 'INVALID_PORT'],
    [{ port: 65536 }, 'INVALID_PORT'],
    [{ port: 1.5 }, 'INVALID_PORT'],
    [{ port: Number.NaN }, 'INVALID_PORT'],
    [{ port: '49737' }, 'INVALID_PORT'],
    [{ host: 'localhost' }, 'INVALID_HOST'],
    [{ host: '0.0.0.0' }, 'INVALID_HOST'],
    [{ host: '::1' }, 'INVALID_HOST'],
    [{ host: '' }, 'INVALID_HOST'],
    [{ bindHost: 'example.com' }, 'INVALID_HOST']
  ]
  for (const [opts, code] of cases) {
    await t.exception(
      startBootstrapper(opts as BootstrapperOptions),
      new RegExp(`\\b${code}: `),
      `${JSON.stringify(opts)} -> ${code}`
    )
  }
})
