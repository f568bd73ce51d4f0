// Test helper: locate the repo-root vectors/ directory, load the three files this package checks, hex helpers.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo root: the nearest ancestor of this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('pnpm-workspace.yaml not found above ' + import.meta.url)
    dir = parent
  }
}

/** Parses `vectors/<file>` from the repo root; the caller states the shape it relies on. */
export function loadVector<T>(file: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'vectors', file), 'utf8')) as T
}

/** Hex string to Buffer. */
export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex')
}

/** Bytes to lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** One side of noise-ik-handshake.json. */
export interface HandshakeSideVector {
  static_seed_hex: string
  static_publicKey_hex: string
  static_secretKey_hex: string
  static_dh_scalar_hex: string
  ephemeral_seed_hex: string
  ephemeral_publicKey_hex: string
  ephemeral_dh_scalar_hex: string
}

/** The parts of noise-ik-handshake.json the tests use. */
export interface NoiseIkFile {
  protocol_name: string
  prologue_hex: string
  initiator: HandshakeSideVector
  responder: HandshakeSideVector
  dh_examples: Record<string, string>
  message1: { payload_plain_hex: string; hex: string; length: number }
  message2: { payload_plain_hex: string; hex: string; length: number }
  result: {
    handshake_hash_hex: string
    initiator_tx_hex: string
    initiator_rx_hex: string
    responder_tx_hex: string
    responder_rx_hex: string
    holepunch_secret_hex: string
    secret_stream_id_initiator_hex: string
    secret_stream_id_responder_hex: string
  }
}

/** One step of noise-ik-trace.json. */
export interface TraceStepVector {
  side: 'both' | 'initiator' | 'responder'
  op: 'InitializeSymmetric' | 'MixHash' | 'MixKey(DH)' | 'EncryptAndHash' | 'DecryptAndHash'
  h?: string
  input?: string
  dh_output?: string
  ck?: string
  k?: string
  nonce_counter?: number
  plaintext?: string
  ciphertext?: string
}

/** noise-ik-trace.json. */
export interface NoiseTraceFile {
  steps: TraceStepVector[]
}

/** secret-stream.json. */
export interface SecretStreamFile {
  keys: {
    handshake_hash_hex: string
    A_tx_hex: string
    A_rx_hex: string
    B_tx_hex: string
    B_rx_hex: string
  }
  pinned_secretstream_headers: { A_header_hex: string; B_header_hex: string }
  wire_A_to_B: string[]
  wire_B_to_A: string[]
  plaintexts_received_by_B: string[]
  plaintexts_received_by_A: string[]
  unordered_messages: {
    A_send_key_hex: string
    A_recv_key_hex: string
    initial_counter_hex: string
    boxes: { plaintext: string; hex: string }[]
    opened_by_B: string[]
  }
}
