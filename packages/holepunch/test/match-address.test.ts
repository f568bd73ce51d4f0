// Tests for matchAddress: the longest shared IPv4 prefix between two address lists.

import test from 'brittle'
import { matchAddress, type HostPort } from '../src/index.js'

const at = (host: string, port = 1): HostPort => ({ host, port })

test('matchAddress table', (t) => {
  const rows: { name: string; mine: string[]; theirs: string[]; want: number | null }[] = [
    { name: 'nothing to match', mine: ['192.168.1.2'], theirs: [], want: null },
    { name: 'no local addresses', mine: [], theirs: ['192.168.1.2'], want: null },
    {
      name: 'three octets win at once',
      mine: ['192.168.122.238'],
      theirs: ['192.168.0.23', '192.168.122.1'],
      want: 1
    },
    {
      name: 'two octets beat one',
      mine: ['192.168.1.5'],
      theirs: ['10.0.0.1', '192.1.1.1', '192.168.7.7'],
      want: 2
    },
    {
      name: 'first one-octet match',
      mine: ['192.168.1.5'],
      theirs: ['192.1.1.1', '192.2.2.2'],
      want: 0
    },
    {
      name: 'first two-octet match sticks',
      mine: ['172.16.0.1'],
      theirs: ['172.16.9.9', '172.16.8.8'],
      want: 0
    },
    { name: 'no shared first octet', mine: ['10.0.0.1'], theirs: ['192.168.0.1'], want: null },
    {
      name: 'a later local address can find three octets',
      mine: ['10.1.1.1', '192.168.5.5'],
      theirs: ['192.168.5.9', '10.1.2.3'],
      want: 0
    },
    {
      name: 'two octets from the first local address, kept',
      mine: ['10.1.1.1', '192.170.5.5'],
      theirs: ['192.168.5.9', '10.1.2.3'],
      want: 1
    }
  ]
  for (const row of rows) {
    const theirs = row.theirs.map((h) => at(h))
    const got = matchAddress(
      row.mine.map((h) => at(h)),
      theirs
    )
    t.is(got, row.want === null ? null : theirs[row.want], row.name)
  }
})
