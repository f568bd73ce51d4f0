// The address shape every holepunch API speaks: an IPv4 host and a UDP port.

/** An IPv4 host and a UDP port. */
export interface HostPort {
  host: string
  port: number
}
