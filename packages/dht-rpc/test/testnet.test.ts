// Tests for createTestnet, and that destroyed nodes leave no handle behind (the process exits).

import test from 'brittle'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { nodeId } from '@keymesh/crypto'
import createTestnetDefault, { Testnet, createTestnet } from '../src/testnet.js'

test('createTestnet: persistent nodes on 127.0.0.1, bootstrap list, iterator, createNode', async (t) => {
  t.is(createTestnetDefault, createTestnet, 'default export')
  const testnet = await createTestnet(4, t)
  t.ok(testnet instanceof Testnet)
  t.is(testnet.nodes.length, 4)
  t.alike(testnet.bootstrap, [{ host: '127.0.0.1', port: testnet.nodes[0]!.address()!.port }])
  for (const node of testnet) {
    t.absent(node.ephemeral)
    t.absent(node.firewalled)
    t.alike(node.id, nodeId('127.0.0.1', node.address()!.port), 'id = H(127.0.0.1:port)')
  }
  const client = testnet.createNode()
  t.is(testnet.nodes.length, 5)
  await client.fullyBootstrapped()
  t.ok(client.ephemeral)
  t.ok(client.toArray().length >= 4)
})

test('createTestnet accepts a teardown function and size 0', async (t) => {
  const registered: Array<{ fn: () => unknown; order: number | undefined }> = []
  const empty = await createTestnet(0, (fn, opts) => registered.push({ fn, order: opts?.order }))
  t.is(empty.nodes.length, 0)
  t.is(registered.length, 1)
  t.is(registered[0]!.order, Infinity, 'destroyed after everything else')
  await registered[0]!.fn()
})

test('testnet.destroy destroys every node, newest first', async (t) => {
  const testnet = await createTestnet(3)
  const order: number[] = []
  testnet.nodes.forEach((n, i) => n.on('close', () => order.push(i)))
  await testnet.destroy()
  t.alike(order, [2, 1, 0])
  t.ok(testnet.nodes.every((n) => n.destroyed))
})

test('after destroy no handle is left: a process using nodes exits by itself', async (t) => {
  const testnetUrl = new URL('../src/testnet.js', import.meta.url).href
  const script = `
    import { createTestnet } from ${JSON.stringify(testnetUrl)}
    const testnet = await createTestnet(3)
    const client = testnet.createNode()
    await client.fullyBootstrapped()
    await client.findNode(Buffer.alloc(32)).finished()
    await client.suspend()
    await client.resume()
    await testnet.destroy()
    console.log('destroyed')
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  clearTimeout(timer)
  t.is(out.trim(), 'destroyed')
  t.is(code, 0, 'exited on its own (not killed)')
})
