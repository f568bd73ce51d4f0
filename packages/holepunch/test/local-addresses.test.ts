// Tests for localAddresses: loopback servers, interface listing, the 127.0.0.1 fallback.

import test from 'brittle'
import UDX from 'udx-native'
import { localAddresses } from '../src/index.js'
import { createSocket } from './helpers/net.js'

const udx = new UDX()

const IFACES = [
  { name: 'lo', host: '127.0.0.1', family: 4, internal: true },
  { name: 'eth0', host: '192.168.1.10', family: 4, internal: false },
  { name: 'eth0', host: 'fe80::1', family: 6, internal: false },
  { name: 'wlan0', host: '10.0.0.2', family: 4, internal: false }
]

const fakeUdx = (ifaces: typeof IFACES) => ({ networkInterfaces: () => ifaces })
const fakeSocket = (host: string, port: number) => ({ address: () => ({ host, family: 4, port }) })

test('a socket bound to 127.0.0.1 is reachable only there', (t) => {
  t.alike(localAddresses(fakeSocket('127.0.0.1', 5000), fakeUdx(IFACES)), [
    { host: '127.0.0.1', port: 5000 }
  ])
})

test('otherwise every non-internal IPv4 interface, with the socket port', (t) => {
  t.alike(localAddresses(fakeSocket('0.0.0.0', 5000), fakeUdx(IFACES)), [
    { host: '192.168.1.10', port: 5000 },
    { host: '10.0.0.2', port: 5000 }
  ])
})

test('no usable interface falls back to 127.0.0.1', (t) => {
  const onlyInternal = IFACES.filter((i) => i.internal || i.family === 6)
  t.alike(localAddresses(fakeSocket('0.0.0.0', 7), fakeUdx(onlyInternal)), [
    { host: '127.0.0.1', port: 7 }
  ])
})

test('an unbound socket throws SOCKET_NOT_BOUND', (t) => {
  t.exception(() => localAddresses(udx.createSocket(), udx), /SOCKET_NOT_BOUND/)
})

test('real sockets', (t) => {
  const loop = createSocket(t, udx)
  const port = loop.address()!.port
  t.alike(localAddresses(loop, udx), [{ host: '127.0.0.1', port }])

  const any = udx.createSocket()
  any.bind(0, '0.0.0.0')
  t.teardown(() => any.close())
  const anyPort = any.address()!.port
  const addrs = localAddresses(any, udx)
  t.ok(addrs.length > 0)
  t.ok(addrs.every((a) => a.port === anyPort && /^\d+\.\d+\.\d+\.\d+$/.test(a.host)))
})
