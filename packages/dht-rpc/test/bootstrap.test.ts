// Tests for bootstrap entry parsing and resolution (ip@host:port), and the firewall check.

import test from 'brittle'
import { nodeId } from '@keymesh/crypto'
import { parseBootstrapNode, resolveBootstrapNodes } from '../src/bootstrap.js'
import { checkIfFirewalled } from '../src/firewall.js'
import type { FirewallCheckHost } from '../src/firewall.js'
import { NatSampler } from '../src/nat-sampler.js'
import type { HostPort } from '../src/peer.js'
import type { Reply } from '../src/request.js'

test('parseBootstrapNode accepts host:port, ip@host:port, ports and objects', (t) => {
  t.alike(parseBootstrapNode('1.2.3.4:5'), { host: '1.2.3.4', port: 5 })
  t.alike(parseBootstrapNode('88.99.3.86@node1.hyperdht.org:49737'), {
    host: '88.99.3.86@node1.hyperdht.org',
    port: 49737
  })
  t.alike(parseBootstrapNode(10001), { host: '127.0.0.1', port: 10001 })
  const obj = { host: 'x', port: 1 }
  t.is(parseBootstrapNode(obj), obj)
  t.exception(() => parseBootstrapNode('no-port'), /host:port/)
})

test('resolveBootstrapNodes: suggested IP first, hostname fallback, skips failures', async (t) => {
  const pinged: string[] = []
  const looked: string[] = []
  const resolver = {
    async ping(to: HostPort) {
      pinged.push(to.host)
      if (to.host !== '10.0.0.1') throw new Error('timeout')
    },
    async lookup(name: string) {
      looked.push(name)
      if (name === 'good.example') return '10.0.0.9'
      throw new Error('ENOTFOUND')
    }
  }
  const nodes = [
    { host: '10.0.0.1@good.example', port: 1 }, // suggestion answers
    { host: '10.0.0.2@good.example', port: 2 }, // suggestion silent: look up
    { host: 'good.example', port: 3 },
    { host: 'bad.example', port: 4 }, // skipped
    { host: '10.0.0.5', port: 5 } // literal: no lookup
  ]
  const out: Array<{ id: Buffer; host: string; port: number }> = []
  for await (const n of resolveBootstrapNodes(nodes, resolver)) out.push(n)
  t.alike(
    out.map((n) => `${n.host}:${n.port}`),
    ['10.0.0.1:1', '10.0.0.9:2', '10.0.0.9:3', '10.0.0.5:5']
  )
  t.alike(out[0]!.id, nodeId('10.0.0.1', 1))
  t.alike(pinged, ['10.0.0.1', '10.0.0.2'])
  t.alike(looked, ['good.example', 'good.example', 'bad.example'])
})

interface FakeFirewall extends FirewallCheckHost {
  reached: string[]
  replies: Array<{ fromHost: string; to: HostPort }>
  nodes: HostPort[]
  port: number
  main: string | null
}

function firewallHost(overrides: Partial<FakeFirewall> = {}): FakeFirewall {
  let onhost: ((h: string) => void) | null = null
  const host: FakeFirewall = {
    reached: [],
    replies: [],
    nodes: [1, 2, 3, 4, 5].map((i) => ({ host: `10.0.0.${i}`, port: i })),
    port: 5000,
    main: '1.2.3.4',
    ...overrides,
    async candidates(max: number) {
      return host.nodes.slice(0, Math.max(max, host.nodes.length))
    },
    serverPort: () => host.port,
    watchServerSocket(fn) {
      onhost = fn
      return () => (onhost = null)
    },
    async pingNatAll() {
      for (const h of host.reached) onhost?.(h)
      return host.replies.map((r): Reply => ({
        tid: 0,
        rtt: 0,
        from: { id: null, host: r.fromHost, port: 1 },
        to: { id: null, ...r.to },
        token: null,
        closerNodes: null,
        error: 0,
        value: null
      }))
    },
    natHost: () => host.main
  }
  return host
}

test('firewall check: 3 of 5 nodes reaching the server socket at the same host and port', async (t) => {
  const reachable = (n: number, to = { host: '1.2.3.4', port: 5000 }) =>
    firewallHost({
      reached: ['10.0.0.1', '10.0.0.2', '10.0.0.3'].slice(0, n),
      replies: [1, 2, 3].slice(0, n).map((i) => ({ fromHost: `10.0.0.${i}`, to }))
    })

  const sampler = new NatSampler()
  t.absent(await checkIfFirewalled(reachable(3), sampler), 'open')
  t.is(sampler.host, '1.2.3.4')
  t.is(sampler.port, 5000)

  t.ok(await checkIfFirewalled(reachable(2), new NatSampler()), 'too few replies')
  t.ok(
    await checkIfFirewalled(reachable(3, { host: '9.9.9.9', port: 5000 }), new NatSampler()),
    'another public host'
  )
  t.ok(
    await checkIfFirewalled(reachable(3, { host: '1.2.3.4', port: 6000 }), new NatSampler()),
    'remapped port'
  )

  const notOnServer = firewallHost({
    reached: [],
    replies: [1, 2, 3].map((i) => ({
      fromHost: `10.0.0.${i}`,
      to: { host: '1.2.3.4', port: 5000 }
    }))
  })
  t.ok(
    await checkIfFirewalled(notOnServer, new NatSampler()),
    'replies that did not hit the server socket do not count'
  )

  const few = firewallHost({
    nodes: [{ host: '10.0.0.1', port: 1 }],
    reached: ['10.0.0.1'],
    replies: [{ fromHost: '10.0.0.1', to: { host: '1.2.3.4', port: 5000 } }]
  })
  t.absent(
    await checkIfFirewalled(few, new NatSampler()),
    'one of one is enough with fewer than 5 nodes'
  )
  t.ok(await checkIfFirewalled(firewallHost({ nodes: [] }), new NatSampler()), 'nobody to ask')
})
