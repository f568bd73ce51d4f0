// BlindRelayStats: the counters a blind-relay server keeps, in blind-relay 1.6.1's shape.

/** Counters of a `BlindRelayServer` (blind-relay's `stats`, plus `pairings.rejected`). */
export interface BlindRelayStats {
  sessions: {
    /** `accept()` calls. */
    accepted: number
    /** Sessions whose channel the peer opened too. */
    opened: number
    /** Sessions whose channel closed. */
    closed: number
    /** `accepted - closed`. */
    readonly active: number
  }
  pairings: {
    /** `pair` messages recorded (duplicates and refused ones are not). */
    requested: number
    /** Pairings that got both roles. */
    matched: number
    /** Pending roles or links withdrawn by `unpair`, a session closing or `close()`. */
    cancelled: number
    /** Tokens waiting for their second role. */
    pending: number
    /** Tokens with at least one relayed stream alive. */
    active: number
    /** `pair` messages refused by the caps (a keymesh addition). */
    rejected: number
  }
  streams: {
    /** Relay streams set up (two per matched pairing). */
    opened: number
    /** Relay streams closed or destroyed. */
    closed: number
    /** Errors the relay streams emitted. */
    errors: number
    /** `opened - closed`. */
    readonly active: number
  }
}

/** @internal Zeroed counters. */
export function createBlindRelayStats(): BlindRelayStats {
  return {
    sessions: {
      accepted: 0,
      opened: 0,
      closed: 0,
      get active() {
        return this.accepted - this.closed
      }
    },
    pairings: { requested: 0, matched: 0, cancelled: 0, pending: 0, active: 0, rejected: 0 },
    streams: {
      opened: 0,
      closed: 0,
      errors: 0,
      get active() {
        return this.opened - this.closed
      }
    }
  }
}
