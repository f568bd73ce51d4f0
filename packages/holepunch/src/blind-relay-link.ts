// RelayLink and RelayPairing: one side of a relayed pair, and a token waiting for both sides.

import type { RelayPath, RelayStream, RelayStreamOptions } from './relay-stream.js'

/** @internal What a link reports to the session that asked for it. */
export interface LinkOwner {
  /** Its relay stream is set up and relaying. */
  _linkActive(link: RelayLink): void
  /** Both sides are set up: answer the peer. */
  _linkPaired(link: RelayLink): void
  /** The pending role was dropped before it was set up. */
  _linkAbandoned(link: RelayLink): void
  /** Its relay stream emitted an error. */
  _linkError(err: Error): void
  /** Its relay stream closed or was destroyed. */
  _linkGone(link: RelayLink): void
  /** Where the peer's packets come from, when the session knows it. */
  _path(): RelayPath | null
}

function noop(): void {}

/** @internal One peer's side of a pairing: its announced stream id and the relay's stream for it. */
export class RelayLink {
  readonly owner: LinkOwner
  readonly token: Buffer
  readonly key: string
  readonly isInitiator: boolean
  /** The peer's own raw stream id, which the relay stream connects to. */
  readonly remoteId: number
  stream: RelayStream | null = null
  remote: RelayLink | null = null

  constructor(
    owner: LinkOwner,
    token: Buffer,
    key: string,
    isInitiator: boolean,
    remoteId: number
  ) {
    this.owner = owner
    this.token = token
    this.key = key
    this.isInitiator = isInitiator
    this.remoteId = remoteId
  }

  /** `key` plus the role: a session can hold both roles of one token. */
  get slot(): string {
    return slotOf(this.key, this.isInitiator)
  }

  /** Make the relay's stream for this side (connected by the first packet that arrives). */
  createStream(create: (opts: RelayStreamOptions) => RelayStream): void {
    if (this.stream !== null) return
    this.stream = create({ firewall: (socket, port, host) => this.onfirewall(socket, port, host) })
  }

  /** Start relaying into the other side's stream. */
  activate(): void {
    const stream = this.stream
    if (stream === null) return
    stream.on('error', this.onerror)
    stream.on('close', this.onclose)
    // Connect now where the peer's connection comes from, instead of at its first packet: data
    // the other side sends before this peer's first packet is then relayed, not dropped (which
    // would cost that side a retransmit timeout, ~1 s).
    const path = this.owner._path()
    if (path !== null) this.connectTo(path.socket, path.port, path.host)
    if (this.remote !== null && this.remote.stream !== null) stream.relayTo(this.remote.stream)
    this.owner._linkActive(this)
  }

  /** Destroy this side's stream (the other side keeps its own). */
  destroy(err?: Error): void {
    const stream = this.stream
    if (stream === null) return
    this.stream = null
    stream.off('close', this.onclose)
    stream.off('error', this.onerror)
    this.unlink()
    this.owner._linkGone(this)
    stream.on('error', noop)
    stream.destroy(err)
  }

  /** Destroy both sides. */
  destroyPair(err?: Error): void {
    const remote = this.remote
    this.destroy(err)
    if (remote !== null) remote.destroy(err)
  }

  /** Drop a stream made for a pairing that could not be completed. */
  abandon(): void {
    const stream = this.stream
    this.stream = null
    if (stream !== null) {
      stream.on('error', noop)
      stream.destroy()
    }
    this.owner._linkAbandoned(this)
  }

  private readonly onerror = (err: Error): void => {
    this.owner._linkError(err)
  }

  private readonly onclose = (): void => {
    if (this.stream === null) return
    this.stream = null
    this.unlink()
    this.owner._linkGone(this)
  }

  private onfirewall(socket: unknown, port: number, host: string): boolean {
    // false accepts the packet; a stream that cannot connect (its socket closing) drops it
    return !this.connectTo(socket, port, host)
  }

  private connectTo(socket: unknown, port: number, host: string): boolean {
    const stream = this.stream
    if (stream === null) return false
    try {
      stream.connect(socket, this.remoteId, port, host)
    } catch {
      return false
    }
    return true
  }

  private unlink(): void {
    const remote = this.remote
    this.remote = null
    if (remote !== null && remote.remote === this) remote.remote = null
  }
}

/** @internal A token and the (up to two) roles that asked for it. */
export class RelayPairing {
  readonly token: Buffer
  readonly key: string
  /** Index 0: the non-initiator, 1: the initiator. */
  readonly links: [RelayLink | null, RelayLink | null] = [null, null]

  constructor(token: Buffer, key: string) {
    this.token = token
    this.key = key
  }

  get paired(): boolean {
    return this.links[0] !== null && this.links[1] !== null
  }
}

/** @internal The per-role key of a link. */
export function slotOf(key: string, isInitiator: boolean): string {
  return key + (isInitiator ? '/i' : '/r')
}
