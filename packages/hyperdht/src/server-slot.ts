// ServerSlot: what a server keeps about one incoming handshake until it is connected or cleared.

import type { Holepuncher, SecurePayload } from '@keymesh/holepunch'
import type { NoiseSecretStream } from '@keymesh/secret-stream'
import type UDX from 'udx-native'
import type { HandshakeResult } from './noise-wrap.js'
import type { RelayLink } from './relay-link.js'

/** Called with the socket and address the client's first UDX packet (or punch) arrived from. */
export type OnSocket = (socket: UDX.Socket, port: number, host: string) => void

/**
 * One handshake slot of a server. Its index in the server's slot table is the `holepunch.id` the
 * client echoes in PEER_HOLEPUNCH, so the slot lives until it is cleared (`handshakeClearWait`
 * after it finished), even once connected.
 */
export class ServerSlot {
  /** Highest holepunch round seen from the client. */
  round = 0
  /** Message 2, sent for every copy of message 1 (they may arrive through several relays). */
  reply: Uint8Array | null = null
  puncher: Holepuncher | null = null
  /** Seals PEER_HOLEPUNCH payloads; set only when the server is ready to punch. */
  payload: SecurePayload | null = null
  /** The connection's UDX stream until it is connected (then the secret stream owns it). */
  rawStream: UDX.Stream | null = null
  encryptedSocket: NoiseSecretStream | null = null
  /** Keys of the finished handshake. */
  result: HandshakeResult | null = null
  /** Gives up waiting for the client (10 s) when it never punches or connects. */
  prepunching: NodeJS.Timeout | null = null
  /** Frees the slot `handshakeClearWait` after the handshake finished. */
  clearing: NodeJS.Timeout | null = null
  /** The server firewall refused this client (hyperdht's `firewalled`). */
  firewalled = true
  /** Handshake replies go out from the puncher's socket, so relays report its NAT mapping. */
  replyFromPuncher = false
  onsocket: OnSocket | null = null
  aborted = false
  /** Token of the blind-relay pairing in use: while set, punch aborts keep the stream. */
  relayToken: Buffer | null = null
  /** The pairing through a blind relay, when either side chose one. */
  relay: RelayLink | null = null

  /** Stop punching, drop the unconnected stream and the timers (server close or suspend). */
  destroy(): void {
    if (this.puncher !== null) {
      this.puncher.onabort = noop // tearing down already: no abort handling
      this.puncher.destroy()
    }
    this.clearTimers()
    if (this.relay !== null && !this.relay.paired) this.relay.destroy()
    if (this.rawStream !== null) this.rawStream.destroy()
  }

  /** Cancel both timers. */
  clearTimers(): void {
    if (this.clearing !== null) clearTimeout(this.clearing)
    if (this.prepunching !== null) clearTimeout(this.prepunching)
    this.clearing = null
    this.prepunching = null
  }

  /** Cancel the wait-for-client timer. */
  clearPrepunching(): void {
    if (this.prepunching !== null) clearTimeout(this.prepunching)
    this.prepunching = null
  }
}

const noop = (): void => {}
