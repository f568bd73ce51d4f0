// immutablePut / immutableGet: content-addressed values stored under H(value) (§4.8).

import type { HostPort, QueryOptions, SessionHost } from '@keymesh/dht-rpc'
import { hash } from '@keymesh/crypto'
import { COMMANDS } from '@keymesh/wire'
import { HyperDHTError } from './errors.js'
import type { PutRefusal } from './errors.js'
import { replyValueFits } from './limits.js'
import { PutReport } from './put-report.js'
import { mapImmutable } from './reply-maps.js'
import type { ImmutableResult } from './reply-maps.js'

/** Options of the record operations: dht-rpc query options (`signal`, `nodes`, ...). */
export type RecordQueryOptions = Omit<QueryOptions<never>, 'map' | 'commit'>

/** Options of `immutablePut`. */
export interface ImmutablePutOptions extends RecordQueryOptions {
  /**
   * keymesh extra: keep refreshing the value until `republisher.cancel(key)` (see `republish`
   * options); with `storage`, it is on disk before the put resolves and refreshed after a
   * restart. @default false
   */
  keepAlive?: boolean
}

/** What `immutablePut` resolves to: hyperdht's fields plus `stored`/`refused` (keymesh extras). */
export interface ImmutablePutResult {
  hash: Buffer
  closestNodes: HostPort[]
  /** Nodes that confirmed storing the value. */
  stored: number
  /** Nodes that answered with an error, and which. */
  refused: PutRefusal[]
}

/** Checks a value argument: bytes, and small enough that `reply` still fits one datagram. */
export function checkValue(value: unknown, fits: (bytes: number) => boolean, reply: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'value must be a Buffer or Uint8Array')
  }
  if (!fits(value.byteLength)) {
    throw new HyperDHTError(
      'VALUE_TOO_LARGE',
      `a ${value.byteLength}-byte value would not fit ${reply} (2048-byte datagrams)`
    )
  }
}

/** Store `value` on the nodes closest to `H(value)`. */
export async function immutablePut(
  dht: SessionHost,
  value: Uint8Array,
  opts: RecordQueryOptions = {}
): Promise<ImmutablePutResult> {
  checkValue(value, replyValueFits, 'an IMMUTABLE_GET reply')
  const target = hash(value)
  const report = new PutReport()
  const requestOpts = opts.signal === undefined ? undefined : { signal: opts.signal }
  const query = dht.query<ImmutableResult>(
    { target, command: COMMANDS.IMMUTABLE_GET, value: null },
    {
      ...opts,
      map: mapImmutable,
      commit: (reply, node) =>
        node
          .request(
            { token: reply.token, target, command: COMMANDS.IMMUTABLE_PUT, value },
            reply.from,
            requestOpts
          )
          .then((r) => report.add(r))
    }
  )
  await query.finished()
  return { hash: target, closestNodes: query.closestNodes, ...report }
}

/** The first value found under `target` whose hash matches, or null. */
export async function immutableGet(
  dht: SessionHost,
  target: Uint8Array,
  opts: RecordQueryOptions = {}
): Promise<ImmutableResult | null> {
  if (!(target instanceof Uint8Array) || target.byteLength !== 32) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'hash must be 32 bytes')
  }
  const query = dht.query<ImmutableResult>(
    { target, command: COMMANDS.IMMUTABLE_GET, value: null },
    { ...opts, map: mapImmutable }
  )
  for await (const node of query) {
    if (hash(node.value).equals(target)) return node
  }
  return null
}
