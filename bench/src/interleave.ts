// The order implementations take turns in: alternating who goes first (ABBA), so slow drift of
// a shared machine (other processes, thermal, GC of the parent) falls on both alike.

import { IMPL_NAMES } from './impl.js'
import type { ImplName } from './impl.js'

/** The implementations in the order of turn `step` (0, 1, 2, ...). */
export function turnOrder(step: number): ImplName[] {
  return step % 2 === 0 ? [...IMPL_NAMES] : [...IMPL_NAMES].reverse()
}
