// mutablePut / mutableGet: signed records under H(publicKey) with a sequence number (§4.8).

import type { KeyPair } from '@keymesh/crypto'
import { hash } from '@keymesh/crypto'
import type { HostPort, SessionHost } from '@keymesh/dht-rpc'
import { COMMANDS, MAX_UINT, encode, mutableGetRequest, mutablePutRequest } from '@keymesh/wire'
import { HyperDHTError, PutRefusedError } from './errors.js'
import type { PutRefusal } from './errors.js'
import { checkValue } from './immutable.js'
import type { RecordQueryOptions } from './immutable.js'
import { mutableRecordFits } from './limits.js'
import { defaultSignMutable, isValidMutable } from './mutable-signature.js'
import type { MutableSigner } from './mutable-signature.js'
import { PutReport } from './put-report.js'
import { mapMutable } from './reply-maps.js'
import type { MutableResult } from './reply-maps.js'

/** Options of `mutablePut`. */
export interface MutablePutOptions extends RecordQueryOptions {
  /** Sequence number; must grow with each new value. @default 0 */
  seq?: number
  /** Custom signer (e.g. a remote key). */
  signMutable?: MutableSigner
  /**
   * keymesh extra: keep refreshing the record until `republisher.cancel(key)` (see `republish`
   * options); with `storage`, it is on disk before the put resolves and refreshed after a
   * restart. @default false
   */
  keepAlive?: boolean
}

/** What `mutablePut` resolves to: hyperdht's fields plus `stored`/`refused` (keymesh extras). */
export interface MutablePutResult {
  publicKey: Buffer
  closestNodes: HostPort[]
  seq: number
  signature: Buffer
  /** Nodes that confirmed storing the record. */
  stored: number
  /** Nodes that refused it (SEQ_REUSED, SEQ_TOO_LOW, ...). */
  refused: PutRefusal[]
}

/** Options of `mutableGet`. */
export interface MutableGetOptions extends RecordQueryOptions {
  /** Lowest seq accepted. @default 0 */
  seq?: number
  /** Wait for the whole query and return the highest valid seq; `false`: the first valid one. @default true */
  latest?: boolean
  /** Called with the result; return true to re-put it to the closest nodes. */
  refresh?: ((result: MutableResult) => boolean) | null
}

function checkKey(publicKey: unknown): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) {
    throw new HyperDHTError('INVALID_ARGUMENT', 'publicKey must be 32 bytes')
  }
  return publicKey
}

function checkSeq(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_UINT) {
    throw new HyperDHTError('INVALID_ARGUMENT', `seq must be a non-negative integer, got ${seq}`)
  }
  return seq
}

/**
 * Sign `value` with `keyPair` at `opts.seq` and store it on the nodes closest to
 * `H(publicKey)`. Rejects with `SEQ_REUSED`/`SEQ_TOO_LOW` (a {@link PutRefusedError}) when every
 * node that answered refused it, because then nothing was stored.
 */
export async function mutablePut(
  dht: SessionHost,
  keyPair: KeyPair,
  value: Uint8Array,
  opts: MutablePutOptions = {}
): Promise<MutablePutResult> {
  const publicKey = Buffer.from(checkKey(keyPair?.publicKey))
  const seq = checkSeq(opts.seq || 0)
  checkValue(value, (n) => mutableRecordFits(seq, n), `a MUTABLE_GET reply at seq ${seq}`)
  const sign = opts.signMutable ?? defaultSignMutable
  const signature = Buffer.from(await sign(seq, value, keyPair))
  // a custom signer could return anything; a bad signature would be silently dropped by every node
  if (sign !== defaultSignMutable && !isValidMutable(publicKey, seq, value, signature)) {
    throw new HyperDHTError('INVALID_SIGNATURE', 'signMutable returned an invalid signature')
  }
  const target = hash(publicKey)
  const signed = encode(mutablePutRequest, { publicKey, seq, value, signature })
  const report = new PutReport()
  const requestOpts = opts.signal === undefined ? undefined : { signal: opts.signal }
  const { signMutable: _, seq: __, ...queryOpts } = opts

  // the query asks for seq 0: it only needs the closest nodes and their tokens
  const query = dht.query<MutableResult>(
    { target, command: COMMANDS.MUTABLE_GET, value: encode(mutableGetRequest, 0) },
    {
      ...queryOpts,
      map: mapMutable,
      commit: (reply, node) =>
        node
          .request(
            { token: reply.token, target, command: COMMANDS.MUTABLE_PUT, value: signed },
            reply.from,
            requestOpts
          )
          .then((r) => report.add(r))
    }
  )
  await query.finished()
  const refusal = report.seqRefusal()
  if (refusal !== null) throw new PutRefusedError(refusal, report.refused)
  return { publicKey, closestNodes: query.closestNodes, seq, signature, ...report }
}

/**
 * The record stored under `H(publicKey)` with seq ≥ `opts.seq` and a valid signature: the
 * highest such seq (`latest`, the default) or the first found; null when none.
 */
export async function mutableGet(
  dht: SessionHost,
  publicKey: Uint8Array,
  opts: MutableGetOptions = {}
): Promise<MutableResult | null> {
  checkKey(publicKey)
  const userSeq = checkSeq(opts.seq || 0)
  const latest = opts.latest !== false
  const target = hash(publicKey)
  const requestOpts = opts.signal === undefined ? undefined : { signal: opts.signal }
  let refresh = opts.refresh ?? null
  let result: MutableResult | null = null
  let signed: Buffer | null = null

  const { refresh: _, seq: __, latest: ___, ...queryOpts } = opts
  const query = dht.query<MutableResult>(
    { target, command: COMMANDS.MUTABLE_GET, value: encode(mutableGetRequest, userSeq) },
    {
      ...queryOpts,
      map: mapMutable,
      ...(refresh === null
        ? {}
        : {
            commit: (reply, node) => {
              if (signed === null && result !== null && refresh !== null) {
                if (refresh(result)) {
                  signed = encode(mutablePutRequest, { publicKey, ...pick(result) })
                } else {
                  refresh = null
                }
              }
              if (signed === null) return Promise.resolve(null)
              return node.request(
                { token: reply.token, target, command: COMMANDS.MUTABLE_PUT, value: signed },
                reply.from,
                requestOpts
              )
            }
          })
    }
  )

  for await (const node of query) {
    if (result !== null && node.seq <= result.seq) continue
    if (node.seq < userSeq || !isValidMutable(publicKey, node.seq, node.value, node.signature)) {
      continue
    }
    if (!latest) return node
    result = node
  }
  return result
}

function pick(r: MutableResult): { seq: number; value: Buffer; signature: Buffer } {
  return { seq: r.seq, value: r.value, signature: r.signature }
}
