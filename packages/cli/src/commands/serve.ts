// keymesh serve: accept encrypted connections on a key pair, piped to stdio or a TCP address.

import net from 'node:net'
import {
  expectPositionals,
  hex32Arg,
  hostPortArg,
  parseCommandLine,
  relayThroughArg
} from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { loadHyperDHT } from '../deps.js'
import { CliError } from '../errors.js'
import { EXIT, errorLine } from '../exit-codes.js'
import { helpText } from '../help.js'
import { readKeyFile } from '../key-file.js'
import { withNode } from '../network.js'
import { forward, link } from '../pipe.js'
import { remoteKeyOf, type SecureSocket } from '../secure-socket.js'
import { selfCommand } from '../self-command.js'
import { untilAborted } from '../signals.js'

const OPTIONS = {
  key: { type: 'string', short: 'k' },
  tcp: { type: 'string' },
  allow: { type: 'string', multiple: true },
  once: { type: 'boolean' },
  'relay-through': { type: 'string', multiple: true }
} as const

/** `keymesh serve`. */
export const serve: Command = {
  name: 'serve',
  summary: 'accept encrypted connections on a key pair: pipe stdin/stdout, or forward to TCP',
  usage:
    helpText(`Usage: keymesh serve [--key FILE] [--tcp HOST:PORT] [--allow PUBLICKEY ...] [--once]
                     [--relay-through PUBLICKEY ...]

Listen for end-to-end encrypted connections on a key pair, announced on the DHT under its
public key ('keymesh connect <publicKey>' reaches it, through NATs when needed). Runs until
Ctrl+C. The public key is printed (on stderr when stdout carries data).

Without --tcp, one connection at a time is piped to stdio: what the client sends is written
to stdout and stdin is sent to it. When stdin ends, the sending half is closed. A connection
that arrives while another is piped is closed at once.

With --tcp, every connection is forwarded to a new TCP connection to HOST:PORT (like a
reverse tunnel), many at a time, with half-close in both directions.

Options:
  -k, --key <file>      key file to listen on (default: a new random key pair)
  --tcp <host:port>     forward each connection to this TCP address
  --allow <publicKey>   accept only these clients (repeatable); others are refused
  --once                exit after the first connection closes (exit 1 if it broke)
  --relay-through <publicKey>
                        pair each connection through this blind relay too (see 'keymesh
                        relay'), for clients holepunching cannot reach; repeatable: one is
                        picked at random per connection. Wins over the client's choice.

Examples:
  keymesh serve --bootstrap 127.0.0.1:49737 --key server.key
  keymesh serve --bootstrap 127.0.0.1:49737 --key server.key --tcp 127.0.0.1:22
  keymesh serve --bootstrap 127.0.0.1:49737 --key server.key --relay-through <relayKey>`),

  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS)
    expectPositionals(positionals, 0, 0, '')
    const tcp = values.tcp === undefined ? null : hostPortArg('tcp', values.tcp)
    const allow = (values.allow ?? []).map((k) => hex32Arg('--allow', k).toString('hex'))
    const relayThrough = relayThroughArg(values['relay-through'])
    const keyPair =
      values.key === undefined
        ? (await loadHyperDHT()).default.keyPair()
        : await readKeyFile(values.key)
    if (tcp === null) ctx.output.dataOnStdout()

    return withNode(ctx, values.bootstrap, async (node) => {
      const handler = tcp === null ? stdioHandler(ctx) : tcpHandler(ctx, tcp)
      const server = node.createServer({
        // true refuses the client
        firewall: (remotePublicKey) =>
          allow.length > 0 && !allow.includes(Buffer.from(remotePublicKey).toString('hex')),
        ...(relayThrough === undefined ? {} : { relayThrough })
      })
      let finish: (err: Error | null) => void = () => {}
      const finished = new Promise<Error | null>((resolve) => (finish = resolve))
      server.on('connection', (socket) => {
        socket.on('error', () => {})
        void handler(socket).then((err) => {
          if (values.once === true) finish(err)
        })
      })
      ctx.output.progress('announcing the server')
      try {
        await server.listen(keyPair, { signal: ctx.signal })
        const publicKey = keyPair.publicKey.toString('hex')
        ctx.output.result(
          { event: 'listening', publicKey, tcp: tcp === null ? null : `${tcp.host}:${tcp.port}` },
          [
            `listening on ${publicKey}`,
            tcp === null ? '' : `forwarding connections to tcp://${tcp.host}:${tcp.port}`,
            `connect with: ${selfCommand()} connect ${publicKey}`
          ]
            .filter((l) => l !== '')
            .join('\n')
        )
        const stopped = untilAborted(ctx.signal).then(() => 'stopped' as const)
        const result = await Promise.race([stopped, finished])
        if (result === 'stopped') ctx.output.notice('stopping')
        else if (result !== null) throw result
      } finally {
        await server.close()
      }
      return EXIT.OK
    })
  }
}

type Handler = (socket: SecureSocket) => Promise<Error | null>

function stdioHandler(ctx: CommandContext): Handler {
  let busy = false
  let stdinEnded = false
  return (socket) => {
    const remote = remoteKeyOf(socket)
    if (busy) {
      ctx.output.result(
        { event: 'refused', remotePublicKey: remote, reason: 'busy' },
        `${remote}: refused, busy with another connection`
      )
      socket.destroy()
      return new Promise((resolve) => socket.once('close', () => resolve(null)))
    }
    busy = true
    ctx.output.result({ event: 'connection', remotePublicKey: remote }, `${remote}: connected`)
    let stopIn = (): void => {}
    if (stdinEnded) socket.end()
    else {
      stopIn = forward(process.stdin, socket, () => {
        stdinEnded = true
        socket.end()
      })
    }
    const stopOut = forward(socket, process.stdout, () => {})
    return new Promise((resolve) => {
      let failure: Error | null = null
      socket.on('error', (err: Error) => {
        failure ??= err
      })
      socket.once('close', () => {
        stopIn()
        stopOut()
        busy = false
        const line = failure === null ? 'closed' : `closed: ${errorLine(failure)}`
        ctx.output.result(
          {
            event: 'closed',
            remotePublicKey: remote,
            error: failure === null ? null : errorLine(failure)
          },
          `${remote}: ${line}`
        )
        resolve(failure)
      })
    })
  }
}

function tcpHandler(ctx: CommandContext, to: { host: string; port: number }): Handler {
  return async (socket) => {
    const remote = remoteKeyOf(socket)
    ctx.output.result({ event: 'connection', remotePublicKey: remote }, `${remote}: connected`)
    const tcp = net.connect({ host: to.host, port: to.port, allowHalfOpen: true })
    let connected = false
    tcp.once('connect', () => (connected = true))
    const linked = await link(tcp, socket)
    const err =
      linked !== null && !connected
        ? new CliError('TCP_CONNECT_FAILED', `${to.host}:${to.port}: ${linked.message}`, {
            cause: linked
          })
        : linked
    const line = err === null ? 'closed' : `closed: ${errorLine(err)}`
    ctx.output.result(
      { event: 'closed', remotePublicKey: remote, error: err === null ? null : errorLine(err) },
      `${remote}: ${line}`
    )
    return err
  }
}
