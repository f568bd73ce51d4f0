// What the bins print: the bound address first, then how to use it from code and a shell.

/** What {@link bootstrapperBanner} describes. */
export interface BootstrapperBannerInfo {
  /** `'host:port'` other nodes reach the bootstrapper at. */
  bootstrap: string
  /** `'host:port'` actually bound, when it differs from `bootstrap`. */
  bound: string
  /** The node id, hex. */
  id: string
}

/** What {@link localNetworkBanner} describes. */
export interface LocalNetworkBannerInfo {
  /** `'host:port'` of the network's bootstrapper. */
  bootstrap: string
  /** Nodes besides the bootstrapper. */
  nodes: number
  /** The port asked for, when it was taken and a free one was used instead. */
  fallbackFrom: number | null
  /** `file:` URL of @keymesh/hyperdht's entry point, for the copy-paste one-liner. */
  hyperdhtUrl: string
}

/** The first line of both bins; tests and scripts find the address with this pattern. */
export const LISTENING_LINE = /listening on (\d+\.\d+\.\d+\.\d+):(\d+)/

/** Text printed by `keymesh-bootstrap` once it is bound. */
export function bootstrapperBanner(info: BootstrapperBannerInfo): string {
  const lines = [`keymesh bootstrap node listening on ${info.bootstrap}`]
  if (info.bound !== info.bootstrap) lines.push(`  bound to:  ${info.bound}`)
  lines.push(
    `  node id:   ${info.id}`,
    '',
    'Join it (@keymesh/hyperdht; the real hyperdht package works the same):',
    '',
    ...codeSnippet(info.bootstrap).map(indent),
    '',
    'Press Ctrl+C to stop.'
  )
  return lines.join('\n') + '\n'
}

/** Text printed by `keymesh-local-network` once every node is bootstrapped. */
export function localNetworkBanner(info: LocalNetworkBannerInfo): string {
  const nodes = info.nodes === 1 ? '1 node' : `${info.nodes} nodes`
  const lines = [
    `keymesh local network listening on ${info.bootstrap} (a bootstrapper and ${nodes})`
  ]
  if (info.fallbackFrom !== null) {
    lines.push(`  (port ${info.fallbackFrom} was taken, so the bootstrapper uses a free port)`)
  }
  lines.push(
    '',
    `Bootstrap address: ${info.bootstrap}`,
    '',
    'Use it from code with @keymesh/hyperdht (the real hyperdht package works the same):',
    '',
    ...codeSnippet(info.bootstrap).map(indent),
    '',
    'Or from another shell (stores a mutable record, reads it back, prints hello):',
    '',
    `  node --input-type=module -e "${clientScript(info.bootstrap, info.hyperdhtUrl)}"`,
    '',
    'Press Ctrl+C to stop.'
  )
  return lines.join('\n') + '\n'
}

/**
 * A one-line ES module that joins the network through `bootstrap`, puts and gets a mutable
 * record and prints its value (`hello`). It imports HyperDHT by absolute URL so it runs from
 * any directory, and it avoids `"`, `$`, `!` and backticks so it survives double quotes in a
 * shell.
 */
export function clientScript(bootstrap: string, hyperdhtUrl: string): string {
  return [
    `import HyperDHT from '${shellSafeUrl(hyperdhtUrl)}'`,
    `const dht = new HyperDHT({ bootstrap: ['${bootstrap}'] })`,
    'const keyPair = HyperDHT.keyPair()',
    `await dht.mutablePut(keyPair, Buffer.from('hello'))`,
    'const record = await dht.mutableGet(keyPair.publicKey)',
    'console.log(record.value.toString())',
    'await dht.destroy()'
  ].join('; ')
}

function codeSnippet(bootstrap: string): string[] {
  return [
    `import HyperDHT from '@keymesh/hyperdht'`,
    '',
    `const node = new HyperDHT({ bootstrap: ['${bootstrap}'] })`,
    'await node.fullyBootstrapped()'
  ]
}

// a file URL may still hold characters a shell or a JS string would read specially
function shellSafeUrl(url: string): string {
  return url.replace(/["'$`!\\]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function indent(line: string): string {
  return line === '' ? line : '  ' + line
}
