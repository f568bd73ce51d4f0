// Counts every UDP datagram a set of nodes received, from their UDX instances' native counters.

import type { BenchNode, UdxCounters } from './impl.js'

/** What the attached nodes' UDX instances counted between two readings. */
export interface UdxCount {
  /** Datagrams that arrived at any socket of the nodes. */
  datagrams: number
  bytes: number
  /** UDX stream packets sent (data, acks, retransmissions): udx counts no other sends. */
  streamPackets: number
}

/**
 * Sums the native counters of each attached node's UDX instance. udx-native counts every
 * datagram its sockets receive (DHT messages, stream packets, holepunch probes) but, of the ones
 * sent, only stream packets. On a loopback testnet every datagram is sent to one of its nodes, so
 * what all of them received is what all of them sent (short of kernel drops, which udx-native
 * does not report here). The counters live in memory owned by JavaScript: a node destroyed since
 * still reads correctly.
 */
export class UdxCounter {
  private readonly base = new Map<UdxCounters, UdxCount>()

  /** Count what `node` receives from now on. */
  attach(node: BenchNode): void {
    if (!this.base.has(node.udx)) this.base.set(node.udx, read(node.udx))
  }

  /** Stop counting `node`; read (reset) first to keep what it counted. */
  detach(node: BenchNode): void {
    this.base.delete(node.udx)
  }

  /** Everything counted since the last reset (or attach), and start counting afresh. */
  reset(): UdxCount {
    const out = empty()
    for (const [udx, from] of this.base) {
      const now = read(udx)
      out.datagrams += now.datagrams - from.datagrams
      out.bytes += now.bytes - from.bytes
      out.streamPackets += now.streamPackets - from.streamPackets
      this.base.set(udx, now)
    }
    return out
  }
}

function empty(): UdxCount {
  return { datagrams: 0, bytes: 0, streamPackets: 0 }
}

function read(udx: UdxCounters): UdxCount {
  return {
    datagrams: udx.packetsReceived,
    bytes: udx.bytesReceived,
    streamPackets: udx.packetsTransmitted
  }
}
