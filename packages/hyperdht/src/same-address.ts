// sameAddress: whether two host:port pairs name the same UDP endpoint.

import type { HostPort } from '@keymesh/dht-rpc'

/** True when `a` and `b` have the same host and port. */
export function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port
}
