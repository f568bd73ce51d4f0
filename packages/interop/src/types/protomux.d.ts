// Narrow ambient types for the real `protomux` 3.12.1 (CommonJS, untyped): the mux, channel and
// message members the blind-relay interop test calls. Loaded with createRequire; never imported
// at run time by name.

declare module 'protomux' {
  namespace Protomux {
    /** compact-encoding's state. */
    interface State {
      start: number
      end: number
      buffer: Uint8Array | null
    }

    /** A compact-encoding codec (keymesh's wire codecs have this shape). */
    interface Encoding<I, O = I> {
      preencode(state: State, value: I): void
      encode(state: State, value: I): void
      decode(state: State): O
    }

    /** The duplex a mux runs over: one message per write and per 'data'. */
    interface FramedStream {
      userData?: unknown
      readonly destroyed: boolean
      write(data: Uint8Array): boolean
      end(): unknown
      destroy(err?: Error): unknown
      on(event: string, fn: (...args: any[]) => void): unknown
    }

    interface Message<I> {
      readonly type: number
      send(message: I): boolean
    }

    interface MessageOptions<I, O> {
      encoding?: Encoding<I, O>
      onmessage?: (message: O, channel: Channel) => void
    }

    interface Channel {
      readonly protocol: string
      readonly id: Buffer | null
      readonly opened: boolean
      readonly closed: boolean
      readonly destroyed: boolean
      readonly handshake: unknown
      addMessage<I, O = I>(opts: MessageOptions<I, O>): Message<I>
      open(handshake?: unknown): void
      close(): void
      cork(): void
      uncork(): void
    }

    interface ChannelOptions {
      protocol: string
      id?: Uint8Array | null
      unique?: boolean
      handshake?: Encoding<any, any> | null
      onopen?: (handshake: unknown, channel: Channel) => void
      onclose?: (isRemote: boolean, channel: Channel) => void
      ondestroy?: (channel: Channel) => void
    }
  }

  class Protomux {
    constructor(stream: Protomux.FramedStream)
    static from(stream: Protomux.FramedStream): Protomux
    readonly stream: Protomux.FramedStream
    createChannel(opts: Protomux.ChannelOptions): Protomux.Channel | null
    pair(
      opts: { protocol: string; id?: Uint8Array | null },
      notify: (id: Buffer | null) => unknown
    ): void
    unpair(opts: { protocol: string; id?: Uint8Array | null }): void
    cork(): void
    uncork(): void
    destroy(err?: Error): void
  }

  export = Protomux
}
