// The announcer's background loop: keep-alive pings, re-announce on lost relays and on refresh().

import test from 'brittle'
import { HyperDHT, defaultSignAnnounce } from '../src/index.js'
import type { AnnounceSigner } from '../src/index.js'
import { createTestnet } from '../src/testnet.js'

test.configure({ timeout: 30_000 })

/** A signer that counts and reports each announce it signs (a cycle's announces). */
function observedSigner(): { sign: AnnounceSigner; next(): Promise<void>; count(): number } {
  let signed = 0
  let waiter: (() => void) | null = null
  return {
    sign: (target, token, nodeId, ann, keyPair) => {
      signed++
      if (waiter !== null) waiter()
      waiter = null
      return defaultSignAnnounce(target, token, nodeId, ann, keyPair)
    },
    next: () => new Promise((resolve) => (waiter = resolve)),
    count: () => signed
  }
}

test('refresh() re-announces at once', async (t) => {
  const testnet = await createTestnet(8, t)
  const serverNode = testnet.createNode()
  await serverNode.fullyBootstrapped()
  const signer = observedSigner()
  const server = serverNode.createServer()
  await server.listen(HyperDHT.keyPair(), { signAnnounce: signer.sign })
  t.is(signer.count(), 3, 'three announces signed, one per relay')

  const again = signer.next()
  server.refresh()
  await again
  t.pass('refresh() started a new cycle without waiting for the keep-alive pause')
  await server.close()
})

test('a relay that stops answering keep-alive pings is replaced', async (t) => {
  const testnet = await createTestnet(8, t)
  const serverNode = testnet.createNode()
  await serverNode.fullyBootstrapped()
  const signer = observedSigner()
  const server = serverNode.createServer()
  await server.listen(HyperDHT.keyPair(), { signAnnounce: signer.sign })
  const [first] = server.relayAddresses
  const dead = testnet.nodes.find((n) => n.address()?.port === first?.port)
  t.ok(dead !== undefined, 'the relay is a testnet node')

  const reannounce = signer.next()
  await dead?.destroy()
  await reannounce
  t.pass('the keep-alive loop noticed and re-announced')
  await new Promise<void>((resolve) => {
    // the cycle ends when its announces are answered; the relay list is replaced then
    const check = (): void => {
      if (!server.relayAddresses.some((a) => a.port === first?.port)) resolve()
      else setImmediate(check)
    }
    check()
  })
  t.ok(
    server.relayAddresses.every((a) => a.port !== first?.port),
    'the dead relay is no longer listed'
  )
  t.ok(server.relayAddresses.length >= 2, `${server.relayAddresses.length} relays`)
  await server.close()
})

test('close stops the loop: no announces after close, and the process is not held', async (t) => {
  const testnet = await createTestnet(6, t)
  const serverNode = testnet.createNode()
  await serverNode.fullyBootstrapped()
  const signer = observedSigner()
  const server = serverNode.createServer()
  await server.listen(HyperDHT.keyPair(), { signAnnounce: signer.sign })
  const signed = signer.count()
  await server.close()
  server.refresh() // a no-op once closed
  t.is(signer.count(), signed, 'nothing announced after close')
  t.is(server.announcerStats, null)
})
