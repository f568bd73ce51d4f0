// Tests for sendHolepunchPing: one 0x00 byte, TTL 64 or 5, never rejecting.

import test from 'brittle'
import UDX from 'udx-native'
import { DEFAULT_TTL, HOLEPUNCH_TTL, sendHolepunchPing } from '../src/index.js'
import { addressOf, createSink, createSocket } from './helpers/net.js'

const udx = new UDX()

test('a holepunch ping is one 0x00 byte', async (t) => {
  const sink = createSink(t, udx)
  const socket = createSocket(t, udx)
  const got = new Promise<Buffer>((resolve) =>
    sink.socket.on('message', (buf) => resolve(Buffer.from(buf)))
  )
  await sendHolepunchPing(socket, sink.address, false)
  t.alike(await got, Buffer.from([0]))
  t.is(sink.received[0]?.from.port, addressOf(socket).port)
})

test('TTL 64, or 5 for a low-TTL ping', async (t) => {
  const socket = createSocket(t, udx)
  const ttls: (number | undefined)[] = []
  socket.send = async (_b, _p, _h, ttl) => {
    ttls.push(ttl)
    return true
  }
  await sendHolepunchPing(socket, { host: '127.0.0.1', port: 9 }, false)
  await sendHolepunchPing(socket, { host: '127.0.0.1', port: 9 }, true)
  t.alike(ttls, [DEFAULT_TTL, HOLEPUNCH_TTL])
})

test('never rejects: bad hosts, bad ports, closed sockets', async (t) => {
  const socket = createSocket(t, udx)
  await t.execution(sendHolepunchPing(socket, { host: 'nope', port: 9 }, false))
  await t.execution(sendHolepunchPing(socket, { host: '127.0.0.1', port: -1 }, false))
  const closed = udx.createSocket()
  closed.bind(0, '127.0.0.1')
  await closed.close()
  await t.execution(sendHolepunchPing(closed, { host: '127.0.0.1', port: 9 }, false))
})
