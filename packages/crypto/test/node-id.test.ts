// Tests for nodeId and ipv4AddressBytes: every vector case and address validation.

import test from 'brittle'
import { ipv4AddressBytes, nodeId } from '../src/index.js'
import { loadVector, toHex } from './helpers/vectors.js'
import type { IdsAndTokensFile } from './helpers/vectors.js'

const { node_id } = loadVector<IdsAndTokensFile>('dht-rpc-ids-and-tokens.json')

test('every node-id vector: 6-byte input and id', (t) => {
  t.is(node_id.cases.length, 6)
  for (const c of node_id.cases) {
    t.is(toHex(ipv4AddressBytes(c.host, c.port)), c.hash_input_hex, `${c.host}:${c.port} input`)
    const id = nodeId(c.host, c.port)
    t.is(toHex(id), c.id_hex, `${c.host}:${c.port} id`)
    t.ok(Buffer.isBuffer(id))
    t.is(id.buffer.byteLength, 32, 'id has its own memory')
  }
})

test('edge addresses encode as expected', (t) => {
  t.is(toHex(ipv4AddressBytes('0.0.0.0', 0)), '000000000000')
  t.is(toHex(ipv4AddressBytes('255.255.255.255', 65535)), 'ffffffffffff')
  t.is(toHex(ipv4AddressBytes('10.0.0.1', 256)), '0a0000010001', 'port is little-endian')
  t.is(toHex(ipv4AddressBytes('010.0.0.1', 1)), '0a0000010100', 'leading zeros are decimal')
  t.unlike(nodeId('10.0.0.1', 1), nodeId('10.0.0.1', 2), 'port matters')
  t.unlike(nodeId('10.0.0.1', 1), nodeId('10.0.0.2', 1), 'host matters')
})

test('malformed hosts and ports throw INVALID_ADDRESS', (t) => {
  const hosts = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-1',
    '1.2..4',
    '1.2.3.4.',
    '.1.2.3.4',
    '1.2.3.',
    '1.2.3.4.5.6',
    '1.2.3.256',
    '1.2.3.999',
    '1.2.3.0001',
    'a.b.c.d',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.0x1',
    '1.2.3.1e1',
    '1234.1.1.1',
    '::1',
    'localhost'
  ]
  for (const host of hosts) {
    t.exception(() => nodeId(host, 1), /INVALID_ADDRESS/, `host ${JSON.stringify(host)}`)
  }
  for (const port of [-1, 65536, 1.5, Number.NaN, Infinity]) {
    t.exception(() => nodeId('1.2.3.4', port), /INVALID_ADDRESS/, `port ${port}`)
  }
  t.exception(() => nodeId(1234 as unknown as string, 1), /INVALID_ADDRESS/, 'non-string host')
  t.exception(() => ipv4AddressBytes('1.2.3.4', '80' as unknown as number), /INVALID_ADDRESS/)
})
