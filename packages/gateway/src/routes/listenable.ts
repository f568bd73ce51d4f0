// The LISTEN, `/listen`, SUBSCRIBE and UNSUBSCRIBE routes every listenable resource gets.

import type { Listenable, RequestContext } from '../context.js'
import type { Route } from '../router.js'

/**
 * Routes for a resource at `path`: `LISTEN path`, `GET path/listen` (also LISTEN), and
 * `SUBSCRIBE` / `UNSUBSCRIBE` on both. `make` builds the resource from the request.
 */
export function listenRoutes(path: string, make: (ctx: RequestContext) => Listenable): Route[] {
  const listen = (ctx: RequestContext): Promise<void> => ctx.core.listenOn(ctx, make(ctx))
  const subscribe = (ctx: RequestContext): Promise<void> => ctx.core.subscribe(ctx, make(ctx), true)
  const unsubscribe = (ctx: RequestContext): Promise<void> =>
    ctx.core.subscribe(ctx, make(ctx), false)
  const routes: Route[] = []
  for (const p of [path, path + '/listen']) {
    routes.push({ method: 'LISTEN', path: p, handler: listen })
    routes.push({ method: 'SUBSCRIBE', path: p, handler: subscribe })
    routes.push({ method: 'UNSUBSCRIBE', path: p, handler: unsubscribe })
  }
  routes.push({ method: 'GET', path: path + '/listen', handler: listen })
  return routes
}
