// Holepunch protocol numbers and hyperdht 6.33.0's timing defaults (docs/wire-protocol.md §7).

export { FIREWALL } from '@keymesh/wire'

/** IP TTL of an "open session" ping: opens our NAT mapping, dies before the remote NAT (§7.4). */
export const HOLEPUNCH_TTL = 5
/** IP TTL of every other holepunch ping. */
export const DEFAULT_TTL = 64

/** NAT samples wanted per socket; also the number of PINGs sent per sampling round (§7.2). */
export const NAT_MIN_SAMPLES = 4
/** With at least this many known nodes, the newest few are skipped when sampling (§7.2). */
export const NAT_SKIP_THRESHOLD = 8
/** How many of the newest nodes are skipped: fresh nodes are likelier to be flaky. */
export const NAT_SKIP_NEWEST = 5

/** How often an unstable NAT view may be replaced by a fresh socket (§7.2). */
export const MAX_REOPENS = 3

/** Rounds of the consistent strategy (§7.5). */
export const CONSISTENT_ROUNDS = 10
/** Pause between consistent rounds; the responder also waits this long before its first. */
export const CONSISTENT_INTERVAL_MS = 1000
/** Unverified remote addresses are pinged only on rounds that are multiples of this. */
export const UNVERIFIED_EVERY = 4

/** Pings of the random-port and birthday keep-alive strategies (~35 s at 20 ms). */
export const RANDOM_PINGS = 1750
/** Pause between the birthday side's keep-alive pings (hyperdht's pace). */
export const RANDOM_INTERVAL_MS = 20
/**
 * Pause between the consistent side's guesses at the random side's ports. hyperdht waits 20 ms,
 * so the expected ~250 guesses to hit one of 256 mappings take ~5 s; keymesh sends the same
 * 1750 guesses at 4 ms, finishing in 7 s instead of 35 s, and expects a hit in about 1 s.
 */
export const RANDOM_PROBE_INTERVAL_MS = 4
/** Lowest random destination port; privileged ports are rarely NAT mappings. */
export const RANDOM_PORT_MIN = 1000
/** Socket count (including the main one) a birthday punch grows to. */
export const BIRTHDAY_SOCKETS = 256
/** Pause after the birthday burst before the keep-alive cycle, to let the burst drain. */
export const BIRTHDAY_SETTLE_MS = 100

/** How long a released socket that carried a reusable stream stays open for reuse. */
export const LINGER_TIME_MS = 3000

/** Minimum time from the end of one random punch to the start of the next (hyperdht default). */
export const RANDOM_PUNCH_INTERVAL_MS = 20000
/** Random punches allowed at once per DHT ("one for extra safety" in hyperdht). */
export const RANDOM_PUNCH_LIMIT = 1
