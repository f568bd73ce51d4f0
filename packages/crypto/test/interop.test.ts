// Differential tests: this package against the real hyperdht (and the modules it loads) on random inputs.

import test from 'brittle'
import {
  NS,
  TokenSecrets,
  hash,
  keyPair,
  namespace,
  nodeId,
  randomBytes,
  sign,
  signAnnounce,
  signMutable,
  signUnannounce,
  verify,
  verifyAnnounce,
  verifyMutable
} from '../src/index.js'
import {
  dhtRpcIO,
  dhtRpcPeer,
  hypercoreCrypto,
  hyperdht,
  hyperdhtConstants,
  hyperdhtEncoding,
  hyperdhtPersistent
} from './helpers/reference.js'
import type { RefAnnounce } from './helpers/reference.js'

const ROUNDS = 25

function randomInt(maxExclusive: number): number {
  return randomBytes(4).readUInt32LE(0) % maxExclusive
}

function randomHost(): string {
  return [0, 0, 0, 0].map(() => randomInt(256)).join('.')
}

function randomAnnounce(withRefresh: boolean): RefAnnounce {
  const relayAddresses = Array.from({ length: randomInt(4) }, () => ({
    host: randomHost(),
    port: randomInt(65536)
  }))
  return {
    peer: { publicKey: randomBytes(32), relayAddresses },
    refresh: withRefresh ? randomBytes(32) : null
  }
}

test('keyPair(seed) equals HyperDHT.keyPair(seed) for random seeds', (t) => {
  const DHT = hyperdht()
  for (let i = 0; i < ROUNDS; i++) {
    const seed = randomBytes(32)
    const ref = DHT.keyPair(seed)
    const ours = keyPair(seed)
    t.alike(ours.publicKey, ref.publicKey, `publicKey ${i}`)
    t.alike(ours.secretKey, ref.secretKey, `secretKey ${i}`)
  }
})

test('hash equals HyperDHT.hash for random data', (t) => {
  const DHT = hyperdht()
  for (let i = 0; i < ROUNDS; i++) {
    const data = randomBytes(randomInt(300))
    t.alike(hash(data), DHT.hash(data), `${data.byteLength} bytes`)
  }
})

test('NS equals hyperdht lib/constants.js NS', (t) => {
  const ref = hyperdhtConstants().NS
  const keys = Object.keys(ref).sort()
  t.alike(Object.keys(NS).sort(), keys, 'same names')
  for (const key of keys) {
    t.alike(NS[key as keyof typeof NS], ref[key as keyof typeof ref], key)
  }
})

test('namespace equals hypercore-crypto namespace for random names and ids', (t) => {
  const hc = hypercoreCrypto()
  for (let i = 0; i < ROUNDS; i++) {
    const name = randomBytes(1 + randomInt(20)).toString('hex')
    const ids = Array.from({ length: 1 + randomInt(5) }, () => randomInt(256))
    t.alike(namespace(name, ids), hc.namespace(name, ids), `${name} ${ids.join(',')}`)
  }
})

test('nodeId equals dht-rpc peer.id for random addresses', (t) => {
  const peer = dhtRpcPeer()
  for (let i = 0; i < ROUNDS; i++) {
    const host = randomHost()
    const port = randomInt(65536)
    t.alike(nodeId(host, port), peer.id(host, port), `${host}:${port}`)
  }
})

test('TokenSecrets.token equals dht-rpc IO#token for random secrets and hosts', (t) => {
  const token = dhtRpcIO().prototype.token
  for (let i = 0; i < ROUNDS; i++) {
    const s0 = randomBytes(32)
    const s1 = randomBytes(32)
    const host = randomHost()
    const ours = new TokenSecrets([s0, s1])
    const io = { _secrets: [s0, s1] }
    t.alike(ours.token(host, 0), token.call(io, { host }, 0), `${host} secret0`)
    t.alike(ours.issue(host), token.call(io, { host }, 1), `${host} secret1`)
  }
})

test('sign/verify agree with hypercore-crypto both ways', (t) => {
  const hc = hypercoreCrypto()
  for (let i = 0; i < ROUNDS; i++) {
    const kp = keyPair()
    const msg = randomBytes(randomInt(200))
    const ours = sign(msg, kp.secretKey)
    t.alike(ours, hc.sign(msg, kp.secretKey), 'same signature')
    t.ok(hc.verify(msg, ours, kp.publicKey), 'theirs accepts ours')
    const tampered = Buffer.from(ours)
    const at = randomInt(64)
    tampered[at] = (tampered[at] ?? 0) ^ (1 << randomInt(8))
    t.is(
      verify(msg, tampered, kp.publicKey),
      hc.verify(msg, tampered, kp.publicKey),
      'same verdict on tampering'
    )
  }
})

test('signAnnounce/signUnannounce equal hyperdht Persistent signers', (t) => {
  const P = hyperdhtPersistent()
  const enc = hyperdhtEncoding()
  for (let i = 0; i < ROUNDS; i++) {
    const kp = keyPair()
    const target = randomBytes(32)
    const token = randomBytes(32)
    const id = randomBytes(32)
    const ann = randomAnnounce(i % 2 === 0)
    const peerEncoding = enc.encode(enc.messages.peer, ann.peer)
    const ours = signAnnounce(target, id, token, peerEncoding, ann.refresh, kp.secretKey)
    t.alike(ours, P.signAnnounce(target, token, id, ann, kp), `announce ${i}`)
    t.ok(verifyAnnounce(target, id, token, peerEncoding, ann.refresh, ours, kp.publicKey))
    const unann = { peer: ann.peer, refresh: null }
    t.alike(
      signUnannounce(target, id, token, peerEncoding, null, kp.secretKey),
      P.signUnannounce(target, token, id, unann, kp),
      `unannounce ${i}`
    )
  }
})

test('signMutable equals hyperdht Persistent.signMutable; verify agrees', (t) => {
  const P = hyperdhtPersistent()
  const enc = hyperdhtEncoding()
  const seqs = [0, 1, 0xfc, 0xfd, 0xffff, 0x10000, 2 ** 32, Number.MAX_SAFE_INTEGER]
  for (let i = 0; i < ROUNDS; i++) {
    const kp = keyPair()
    const seq = seqs[i % seqs.length] ?? 0
    const value = randomBytes(randomInt(1000))
    const encoded = enc.encode(enc.messages.mutableSignable, { seq, value })
    const ours = signMutable(encoded, kp.secretKey)
    t.alike(ours, P.signMutable(seq, value, kp), `seq ${seq}`)
    t.ok(P.verifyMutable(ours, seq, value, kp.publicKey), 'hyperdht accepts ours')
    t.ok(verifyMutable(encoded, ours, kp.publicKey), 'we accept ours')
    t.absent(verifyMutable(encoded, ours, keyPair().publicKey), 'other key rejected')
  }
})
