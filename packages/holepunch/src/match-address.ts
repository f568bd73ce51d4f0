// matchAddress: picks the peer LAN address that shares the longest IPv4 prefix with one of ours.

import type { HostPort } from './host-port.js'

/**
 * The address in `theirs` most likely on a network shared with `mine`: the first one sharing
 * three leading octets with any of `mine` wins at once; otherwise the first sharing two, else
 * the first sharing one; null when none shares even the first octet (or `theirs` is empty).
 */
export function matchAddress(mine: HostPort[], theirs: HostPort[]): HostPort | null {
  if (theirs.length === 0) return null

  // 1 = nothing yet, 2 = first octet shared, 3 = two octets shared.
  let bestLevel = 1
  let best: HostPort | null = null

  for (const local of mine) {
    const a = local.host.split('.')
    for (const remote of theirs) {
      const b = remote.host.split('.')
      if (a[0] !== b[0]) continue
      if (bestLevel === 1) {
        bestLevel = 2
        best = remote
      }
      if (a[1] !== b[1]) continue
      if (bestLevel === 2) {
        bestLevel = 3
        best = remote
      }
      if (a[2] === b[2]) return remote
    }
  }

  return best
}
