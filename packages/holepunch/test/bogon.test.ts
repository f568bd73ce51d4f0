// Tests for isBogon, isPrivate and isReserved against the `bogon` package's ranges.

import test from 'brittle'
import { isBogon, isPrivate, isReserved } from '../src/index.js'

const PRIVATE = [
  '10.0.0.0',
  '10.255.255.255',
  '100.64.0.0',
  '100.127.255.255',
  '127.0.0.1',
  '127.0.53.53',
  '169.254.0.1',
  '172.16.0.0',
  '172.31.255.255',
  '192.168.0.1'
]
const RESERVED_V4 = [
  '0.0.0.0',
  '0.1.2.3',
  '192.0.0.1',
  '192.0.2.1',
  '198.18.0.1',
  '198.19.255.255',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.255',
  '240.0.0.1',
  '255.255.255.255'
]
const PUBLIC_V4 = [
  '1.1.1.1',
  '8.8.8.8',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.0.1',
  '172.15.0.1',
  '172.32.0.1',
  '192.167.1.1',
  '192.0.1.1',
  '192.0.3.1',
  '198.17.0.1',
  '198.20.0.1',
  '198.51.101.1',
  '203.0.112.1',
  '223.255.255.255',
  '88.99.3.86'
]
const RESERVED_V6 = [
  '::',
  '::1',
  '::ffff:1.2.3.4',
  '::ffff:0:0',
  '100::1',
  '2001:10::1',
  '2001:2f::1',
  '2001:db8::1',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'febf::1',
  'ff02::1'
]
const PUBLIC_V6 = ['2001:4860:4860::8888', '2606:4700::1111', '2001:30::1', 'fec0::1']
const INVALID = [
  '',
  'localhost',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '1.2.3.x',
  ':::',
  '1::2::3',
  'g::1'
]

test('IPv4 private ranges', (t) => {
  for (const h of PRIVATE) {
    t.ok(isPrivate(h), `${h} private`)
    t.absent(isReserved(h), `${h} not reserved`)
    t.ok(isBogon(h), `${h} bogon`)
  }
})

test('IPv4 reserved ranges', (t) => {
  for (const h of RESERVED_V4) {
    t.ok(isReserved(h), `${h} reserved`)
    t.absent(isPrivate(h), `${h} not private`)
    t.ok(isBogon(h), `${h} bogon`)
  }
})

test('IPv4 public addresses, including every range edge', (t) => {
  for (const h of PUBLIC_V4) {
    t.absent(isBogon(h), `${h} public`)
  }
})

test('IPv6: reserved ranges, never private', (t) => {
  for (const h of RESERVED_V6) {
    t.ok(isReserved(h), `${h} reserved`)
    t.absent(isPrivate(h), `${h} not private`)
    t.ok(isBogon(h), `${h} bogon`)
  }
  for (const h of PUBLIC_V6) t.absent(isBogon(h), `${h} public`)
})

test('anything that is not an IP literal is none of them and never throws', (t) => {
  for (const h of [...INVALID, null, undefined, 42] as string[]) {
    t.absent(isBogon(h), `${String(h)}`)
    t.absent(isPrivate(h))
    t.absent(isReserved(h))
  }
})
