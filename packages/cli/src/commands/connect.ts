// keymesh connect: an encrypted connection to a public key, piped to stdio or a local TCP port.

import net from 'node:net'
import {
  expectPositionals,
  hex32Arg,
  hostPortArg,
  parseCommandLine,
  relayThroughArg
} from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../errors.js'
import { EXIT, errorLine } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'
import { forward, link } from '../pipe.js'
import { opened, type SecureSocket } from '../secure-socket.js'
import { untilAborted } from '../signals.js'
import type HyperDHT from '@keymesh/hyperdht'
import type { ConnectOptions, KeyPair } from '@keymesh/hyperdht'

const OPTIONS = {
  tcp: { type: 'string' },
  key: { type: 'string', short: 'k' },
  'relay-through': { type: 'string', multiple: true }
} as const

/** `keymesh connect`. */
export const connect: Command = {
  name: 'connect',
  summary: 'connect to a public key: pipe stdin/stdout, or forward a local TCP port',
  usage: helpText(`Usage: keymesh connect <publicKey> [--tcp [HOST:]PORT] [--key FILE]
                       [--relay-through PUBLICKEY ...]

Open an end-to-end encrypted connection to the server listening on <publicKey> (see 'keymesh
serve'), through NATs when needed. A secure netcat and port forward.

Without --tcp, stdin is sent to the server and what it sends is written to stdout. When stdin
ends, the sending half is closed (the server sees end of input) and the command exits once
the server has closed its half too: exit 0. A connection that cannot be made or breaks
prints the reason (PEER_NOT_FOUND, ...) and exits 1.

With --tcp, listen on a local TCP port instead and forward every accepted TCP connection
over a new encrypted connection, until Ctrl+C (like ssh -L).

Options:
  --tcp <[host:]port>  listen here (host default 127.0.0.1; port 0 picks a free one)
  -k, --key <file>     connect as this key file's key pair (the server sees its public key);
                       default: a new random key pair
  --relay-through <publicKey>
                       offer the server this blind relay (see 'keymesh relay') for when
                       holepunching fails; repeatable: one is picked at random per
                       connection. A server with its own --relay-through uses its own.

Examples:
  echo hello | keymesh connect --bootstrap 127.0.0.1:49737 <publicKey>
  keymesh connect --bootstrap 127.0.0.1:49737 <publicKey> --tcp 2222   # then: ssh -p 2222 localhost
  keymesh connect --bootstrap 127.0.0.1:49737 <publicKey> --relay-through <relayKey>`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 1, 1, 'public key')
    const publicKey = hex32Arg('the public key', positionals[0] as string)
    const tcp = values.tcp === undefined ? null : hostPortArg('tcp', values.tcp, '127.0.0.1')
    const keyPair = values.key === undefined ? null : await readKeyFile(values.key)
    const relayThrough = relayThroughArg(values['relay-through'])
    if (tcp === null) ctx.output.dataOnStdout()

    return withNode(ctx, values.bootstrap, (node) => {
      const opts: ConnectOptions = {}
      if (keyPair !== null) opts.keyPair = keyPair as KeyPair
      if (relayThrough !== undefined) opts.relayThrough = relayThrough
      const dial = (): SecureSocket => node.connect(publicKey, { ...opts })
      return tcp === null
        ? overStdio(ctx, publicKey, dial)
        : overTcp(ctx, node, tcp, publicKey, dial)
    })
  }
}

async function overStdio(
  ctx: CommandContext,
  publicKey: Buffer,
  dial: () => SecureSocket
): Promise<number> {
  const hex = publicKey.toString('hex')
  ctx.output.progress(`connecting to ${hex}`)
  const socket = dial()
  await opened(socket, ctx.signal)
  ctx.output.result({ event: 'connected', publicKey: hex }, `connected to ${hex}`)

  const error = await new Promise<Error | null>((resolve) => {
    let failure: Error | null = null
    const stopIn = forward(process.stdin, socket, () => socket.end())
    const stopOut = forward(socket, process.stdout, () => {})
    const onabort = (): void => {
      socket.destroy(ctx.signal.reason as Error)
    }
    ctx.signal.addEventListener('abort', onabort, { once: true })
    socket.on('error', (err: Error) => {
      failure ??= err
    })
    socket.once('close', () => {
      stopIn()
      stopOut()
      ctx.signal.removeEventListener('abort', onabort)
      resolve(failure)
    })
  })
  if (error !== null) throw error
  ctx.output.result({ event: 'closed', publicKey: hex }, 'connection closed')
  return EXIT.OK
}

async function overTcp(
  ctx: CommandContext,
  node: HyperDHT,
  at: { host: string; port: number },
  publicKey: Buffer,
  dial: () => SecureSocket
): Promise<number> {
  const hex = publicKey.toString('hex')
  const server = net.createServer({ allowHalfOpen: true }, (tcp) => {
    const from = `${tcp.remoteAddress ?? '?'}:${tcp.remotePort ?? '?'}`
    const socket = dial()
    ctx.output.result({ event: 'connection', from }, `${from}: connecting to ${hex}`)
    void link(tcp, socket).then((err) => {
      const line = err === null ? 'closed' : `closed: ${errorLine(err)}`
      ctx.output.result(
        { event: 'closed', from, error: err === null ? null : errorLine(err) },
        `${from}: ${line}`
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new CliError('TCP_LISTEN_FAILED', `${at.host}:${at.port}: ${err.message}`, { cause: err })
      )
    )
    server.listen(at.port, at.host, () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  try {
    ctx.output.result(
      { event: 'listening', tcp: `${at.host}:${port}`, publicKey: hex, node: node.address() },
      `forwarding tcp://${at.host}:${port} to ${hex}\nPress Ctrl+C to stop.`
    )
    await untilAborted(ctx.signal)
    ctx.output.notice('stopping')
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
    })
  }
  ctx.output.result({ event: 'stopped' }, 'Stopped.')
  return EXIT.OK
}
