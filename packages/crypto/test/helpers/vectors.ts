// Test helper: locate the repo-root vectors/ directory and load its JSON files, plus hex helpers.

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

/** Hex string to Buffer (vectors use lowercase hex without separators). */
export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex')
}

/** Buffer or Uint8Array to lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** One `{ id_byte, hex }` namespace entry of namespaces-and-hashes.json. */
export interface NamespaceVector {
  id_byte: number
  hex: string
}

/** The parts of namespaces-and-hashes.json the tests use. */
export interface NamespacesFile {
  hyperswarm_dht: {
    name: string
    name_hash_hex: string
    namespaces: Record<string, NamespaceVector>
  }
  hyperswarm_secret_stream: {
    name: string
    name_hash_hex: string
    namespaces: Record<string, NamespaceVector>
  }
  keypair_from_seed: { seed_hex: string; publicKey_hex: string; secretKey_hex: string }
  server_target: { publicKey_hex: string; target_hex: string }
  topic_example: { input_utf8: string; topic_hex: string }
  immutable: { value_utf8: string; value_hex: string; target_hex: string }
}

/** The parts of dht-rpc-ids-and-tokens.json the tests use. */
export interface IdsAndTokensFile {
  node_id: { cases: { host: string; port: number; hash_input_hex: string; id_hex: string }[] }
  token: {
    secrets: { secret0_hex: string; secret1_hex: string }
    cases: { host: string; with_secret1_hex: string; with_secret0_hex: string }[]
    rotation: { after_one_rotation: { secret0_hex: string; secret1_hex: string } }
  }
}

/** One announce-style case of signatures.json. */
export interface AnnounceVector {
  name: string
  target_hex: string
  token_hex: string
  node_id_hex: string
  peer_encoding_hex: string
  refresh_hex: string
  inner_hash_hex: string
  signable_hex: string
  signature_hex: string
}

/** One mutable case of signatures.json. */
export interface MutableVector {
  seq: number
  value_hex: string
  mutableSignable_hex: string
  inner_hash_hex: string
  signable_hex: string
  signature_hex: string
  target_hex: string
}

/** The parts of signatures.json the tests use. */
export interface SignaturesFile {
  announce_keypair: { seed_hex: string; publicKey_hex: string }
  announce: AnnounceVector
  announce_with_refresh: AnnounceVector
  unannounce: AnnounceVector
  mutable_keypair: { seed_hex: string; publicKey_hex: string; secretKey_hex: string }
  mutable: MutableVector[]
}

/** The `result` section of noise-ik-handshake.json. */
export interface HandshakeResultFile {
  result: {
    handshake_hash_hex: string
    holepunch_secret_hex: string
    secret_stream_id_initiator_hex: string
    secret_stream_id_responder_hex: string
  }
}

/** The parts of secret-stream.json the tests use. */
export interface SecretStreamFile {
  keys: { handshake_hash_hex: string }
  unordered_messages: { A_send_key_hex: string; A_recv_key_hex: string }
}

/** The parts of holepunch-payloads.json the tests use. */
export interface HolepunchFile {
  holepunch_secret_hex: string
  local_secret_hex: string
  token_examples: { host: string; token_hex: string }[]
}
