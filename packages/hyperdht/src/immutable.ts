// immutablePut / immutableGet: content-addressed values stored under H(value) (§4.8).

import type { HostPort, Query, QueryInput, QueryOptions, Reply } from '@keymesh/dht-rpc'
import type { RequestOptions } from '@keymesh/dht-rpc'
import { hash } from '@keymesh/crypto'
import { COMMANDS } from '@keymesh/wire'
import { HyperDHTError } from './errors.js'
import type { PutRefusal } from './errors.js'
import { MAX_IMMUTABLE_VALUE_BYTES } from './limits.js'
import { PutReport } from './put-report.js'
import { mapImmutable } from './reply-maps.js'
import type { ImmutableResult } from './reply-maps.js'

/** What the record operations need from the node. */
export interface RecordHost {
  query<T>(q: QueryInput, opts?: QueryOptions<T>): Query<T>
  request(
    req: { token: Uint8Array | null; target: Uint8Array; command: number; value: Uint8Array },
    to: HostPort,
    opts?: RequestOptions
  ): Promise<Reply>
}

/** Options of the record operations: dht-rpc query options (`signal`, `nodes`, ...). */
export type RecordQueryOptions = Omit<QueryOptions<never>, 'map' | 'commit'>

/** What `immutablePut` resolves to: hyperdht's fields plus `stored`/`refused` (keymesh extras). */
export interface ImmutablePutResult {
  hash: Buffer
  closestNodes: HostPort[]
  /** Nodes that confirmed storing the value. */
  stored: number
  /** Nodes that answered with an error, and which. */
  refused: PutRefusal[]
}

/** Checks a value argument: bytes, and small enough to be read back. */
export function checkValue(value: unknown, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'value must be a Buffer or Uint8Array')
  }
  if (value.byteLength > max) {
    throw new HyperDHTError(
      'VALUE_TOO_LARGE',
      `value is ${value.byteLength} bytes, the limit is ${max} so that a get reply fits 2048 bytes`
    )
  }
  return value
}

/** Store `value` on the nodes closest to `H(value)`. */
export async function immutablePut(
  dht: RecordHost,
  value: Uint8Array,
  opts: RecordQueryOptions = {}
): Promise<ImmutablePutResult> {
  checkValue(value, MAX_IMMUTABLE_VALUE_BYTES)
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
  dht: RecordHost,
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
