// HolepunchVeto: the `holepunch(...)` hook of connect() and createServer(), declared on its own.

import type { HostPort } from '@keymesh/dht-rpc'

/**
 * hyperdht's `holepunch(remoteFirewall, localFirewall, remoteAddresses, localAddresses)` veto:
 * return false to refuse a punch with these NAT classes and addresses.
 */
export type HolepunchVeto = (
  remoteFirewall: number,
  localFirewall: number,
  remoteAddresses: readonly HostPort[],
  localAddresses: readonly HostPort[] | null
) => boolean
