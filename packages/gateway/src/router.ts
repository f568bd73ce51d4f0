// Matches a method and path segments to a route handler; tells 404 from 405.

import type { RequestContext } from './context.js'

/** Serves one matched request. */
export type Handler = (ctx: RequestContext) => Promise<void>

/**
 * One route. `path` segments are literals, `:name` (any one segment) or `:name#hex` (64 hex
 * characters only).
 */
export interface Route {
  method: string
  path: string
  handler: Handler
}

interface Compiled {
  readonly method: string
  readonly segments: readonly { literal: string | null; hex: boolean }[]
  readonly handler: Handler
}

/** What {@link Router.match} found. */
export type Match =
  | { kind: 'route'; handler: Handler; params: string[] }
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' }

const HEX64 = /^[0-9a-fA-F]{64}$/

/** A fixed table of routes, tried in order. */
export class Router {
  private readonly routes: Compiled[]

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((r) => ({
      method: r.method,
      handler: r.handler,
      segments: r.path
        .split('/')
        .filter((s) => s.length > 0)
        .map((s) =>
          s.startsWith(':')
            ? { literal: null, hex: s.endsWith('#hex') }
            : { literal: s, hex: false }
        )
    }))
  }

  /** The route for `method` on `segments` (already URI-decoded). */
  match(method: string, segments: readonly string[]): Match {
    const allowed: string[] = []
    for (const r of this.routes) {
      const params = matchPath(r, segments)
      if (params === null) continue
      if (r.method === method) return { kind: 'route', handler: r.handler, params }
      if (!allowed.includes(r.method)) allowed.push(r.method)
    }
    return allowed.length > 0 ? { kind: 'method', allowed } : { kind: 'none' }
  }

  /** True if some route serves LISTEN on `segments`. */
  listens(segments: readonly string[]): boolean {
    return this.routes.some((r) => r.method === 'LISTEN' && matchPath(r, segments) !== null)
  }
}

function matchPath(r: Compiled, segments: readonly string[]): string[] | null {
  if (r.segments.length !== segments.length) return null
  const params: string[] = []
  for (let i = 0; i < segments.length; i++) {
    const want = r.segments[i] as Compiled['segments'][number]
    const got = segments[i] as string
    if (want.literal !== null) {
      if (want.literal !== got) return null
    } else {
      if (got.length === 0 || (want.hex && !HEX64.test(got))) return null
      params.push(got)
    }
  }
  return params
}
