// The holepunch ping: one 1-byte 0x00 datagram, optionally with a low IP TTL (§7.5).

import type UDX from 'udx-native'
import { DEFAULT_TTL, HOLEPUNCH_TTL } from './constants.js'
import type { HostPort } from './host-port.js'

// Receivers look only at the length, never at the value (§7.5).
const HOLEPUNCH = Buffer.from([0])

/**
 * Sends a holepunch ping from `socket` to `addr`. With `lowTTL` the IP TTL is 5 (an "open
 * session" packet that opens our NAT mapping but dies before the remote NAT), else 64.
 * Never rejects: a send to a host that is not an IP, or from a closing socket, is dropped.
 */
export async function sendHolepunchPing(
  socket: UDX.Socket,
  addr: HostPort,
  lowTTL: boolean
): Promise<void> {
  try {
    await socket.send(HOLEPUNCH, addr.port, addr.host, lowTTL ? HOLEPUNCH_TTL : DEFAULT_TTL)
  } catch {
    // Only a malformed host gets here; a ping is best effort by design.
  }
}
