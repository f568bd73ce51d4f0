// serve/connect through the real binary: data both ways over stdio and over TCP, half-close,
// and failures (PEER_NOT_FOUND, a refused client).

import { randomBytes } from 'node:crypto'
import net from 'node:net'
import test from 'brittle'
import HyperDHT from '@keymesh/hyperdht'
import type { TestInstance } from './helpers/brittle.js'
import { keymesh, keymeshDone } from './helpers/keymesh.js'
import { localNetwork } from './helpers/network.js'

test.configure({ timeout: 60_000 })

const LISTENING = /listening on ([0-9a-f]{64})/

test('stdio: data moves both ways, stdin EOF half-closes, both exit 0', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const fromServer = randomBytes(100_000)
  const server = keymesh(t, ['serve', ...b, '--once'], { stdin: fromServer })
  const [, publicKey] = await server.waitFor(LISTENING, 'stderr')

  const fromClient = randomBytes(150_000)
  const client = keymesh(t, ['connect', ...b, publicKey as string], { stdin: fromClient })
  t.is(await client.exited, 0, 'connect exits 0 once both halves closed')
  t.is(await server.exited, 0, 'serve --once exits 0 after the connection')
  t.ok(client.stdoutBytes().equals(fromServer), 'server stdin reached client stdout byte-exact')
  t.ok(server.stdoutBytes().equals(fromClient), 'client stdin reached server stdout byte-exact')
  t.ok(/connected to [0-9a-f]{64}/.test(client.stderr()), 'notices go to stderr, not the data')
})

test('stdio: the side that keeps stdin open still gets everything and can answer', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const keyPair = HyperDHT.keyPair()
  const server = keymesh(t, ['serve', ...b, '--once', '--json'], { stdin: 'open' })
  const [, publicKey] = await server.waitFor(/"publicKey":"([0-9a-f]{64})"/, 'stderr')
  t.not(publicKey, keyPair.publicKey.toString('hex'), 'a random key pair without --key')

  const client = keymesh(t, ['connect', ...b, publicKey as string], { stdin: 'ping\n' })
  await server.waitFor(/ping\n/)
  // the client finished sending (its stdin ended) but waits for our answer
  server.child.stdin.end('pong\n')
  t.is(await client.exited, 0)
  t.is(client.stdout(), 'pong\n')
  t.is(await server.exited, 0)
  t.ok(server.stderr().includes('"event":"closed"'), '--json events on stderr in stdio mode')
})

test('--tcp on both ends: a TCP client talks to a TCP server through the tunnel', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  // the service behind `serve --tcp`: greets, then echoes upper-cased, ends when the client ends
  const service = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.write('hello from the service\n')
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()))
    socket.on('end', () => socket.end())
  })
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>((resolve) => service.close(() => resolve())))
  const servicePort = (service.address() as net.AddressInfo).port

  const server = keymesh(t, ['serve', ...b, '--tcp', `127.0.0.1:${servicePort}`])
  const [, publicKey] = await server.waitFor(LISTENING)
  const client = keymesh(t, ['connect', ...b, publicKey as string, '--tcp', '0', '--json'])
  const [, port] = await client.waitFor(/"tcp":"127\.0\.0\.1:(\d+)"/)

  for (const word of ['first', 'second']) {
    const reply = await talk(t, Number(port), `${word} connection\n`)
    t.is(reply, `hello from the service\n${word.toUpperCase()} CONNECTION\n`, `${word}: both ways`)
  }
  await server.waitFor(/closed/)

  client.child.kill('SIGTERM')
  server.child.kill('SIGINT')
  t.is(await client.exited, 0, 'connect --tcp stops cleanly on SIGTERM')
  t.is(await server.exited, 0, 'serve stops cleanly on SIGINT')
  t.ok(client.stdout().includes('"event":"stopped"'))
})

test('serve --tcp to a closed port: the client sees the connection end, serve keeps going', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const server = keymesh(t, ['serve', ...b, '--tcp', '127.0.0.1:9'])
  const [, publicKey] = await server.waitFor(LISTENING)
  const client = keymesh(t, ['connect', ...b, publicKey as string], { stdin: 'x' })
  t.is(await client.exited, 1, 'connect exits 1 when the remote breaks the connection')
  await server.waitFor(/TCP_CONNECT_FAILED/)
  t.is(server.child.exitCode, null, 'serve still running')
})

test('connect to an unknown key: PEER_NOT_FOUND, exit 1; --allow refuses other clients', async (t) => {
  const bootstrap = await localNetwork(t)
  const b = ['--bootstrap', bootstrap]
  const unknown = await keymeshDone(t, [
    'connect',
    ...b,
    HyperDHT.keyPair().publicKey.toString('hex')
  ])
  t.is(unknown.code, 1)
  t.is(unknown.stderr.trim().split('\n').at(-1), 'keymesh connect: PEER_NOT_FOUND: Peer not found')

  const allowed = HyperDHT.keyPair().publicKey.toString('hex')
  const server = keymesh(t, ['serve', ...b, '--allow', allowed])
  const [, publicKey] = await server.waitFor(LISTENING, 'stderr')
  const refused = await keymeshDone(t, ['connect', ...b, publicKey as string])
  t.is(refused.code, 1)
  t.ok(/keymesh connect: [A-Z_]+: /.test(refused.stderr), refused.stderr.trim())
})

// one TCP connection to the local end of the tunnel: send `text`, half-close, read all
function talk(t: TestInstance, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    t.teardown(() => socket.destroy())
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      got += chunk
      // send after the greeting, so the order of the reply is fixed
      if (got === 'hello from the service\n') socket.end(text)
    })
    socket.on('end', () => resolve(got))
    socket.on('error', reject)
  })
}
