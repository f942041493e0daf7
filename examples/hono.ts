/**
 * The backfill API on Hono with `@hono/node-server`: `node --import tsx examples/hono.ts`
 * (PORT, default 3000; Ctrl-C stops it). One runtime holds the ports for the server's
 * life and is disposed when it closes. The body is read as raw bytes and handed to the
 * library, which checks the token before the body, in SPEC's order.
 */
import { pathToFileURL } from "node:url"
import { type HttpBindings, serve } from "@hono/node-server"
import { ManagedRuntime } from "effect"
import { type Context, Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import {
  API_PATHS,
  API_ROUTES,
  exceedsHeaderLimit,
  type HttpResponse,
  methodNotAllowedResponse,
  routeNotFoundResponse,
  tooManyHeadersResponse
} from "transfer-backfills"
import { demoPorts } from "./demoPorts.js"

export const startHonoHost = async (port: number) => {
  const runtime = ManagedRuntime.make(demoPorts)
  const app = new Hono<{ Bindings: HttpBindings }>()
  const send = (context: Context, answer: HttpResponse) =>
    context.body(answer.body, answer.status as 200, answer.headers)
  // Node's own list of the headers, which the server below keeps whole: too many is a 400, never a dropped one.
  app.use(async (context, next) => {
    if (!exceedsHeaderLimit(context.env.incoming.rawHeaders.length)) return next()
    return send(context, await runtime.runPromise(tooManyHeadersResponse(context.req.header("x-request-id"))))
  })
  app.use(bodyLimit({ maxSize: 1024 * 1024 }))
  for (const route of API_ROUTES) {
    app.on(route.method, route.path, async (context) => {
      const body = new Uint8Array(await context.req.arrayBuffer())
      const answer = await runtime.runPromise(
        route.handle({
          authorization: context.req.header("authorization"),
          path: context.req.param(),
          query: context.req.queries(),
          body: body.byteLength > 0 ? body : undefined,
          requestId: context.req.header("x-request-id"),
          idempotencyKey: context.req.header("idempotency-key")
        })
      )
      return send(context, answer)
    })
  }
  // SPEC's envelopes for the requests no route takes: 405 on a known path, 404 elsewhere.
  for (const { path, methods } of API_PATHS) {
    app.all(path, async (context) =>
      send(context, await runtime.runPromise(methodNotAllowedResponse(methods, context.req.header("x-request-id"))))
    )
  }
  app.notFound(async (context) =>
    send(context, await runtime.runPromise(routeNotFoundResponse(context.req.header("x-request-id"))))
  )
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve(
      {
        fetch: app.fetch,
        port,
        hostname: "127.0.0.1",
        // Connection limits (docs/hosting.md, "Limits"), where Node alone would wait minutes.
        serverOptions: {
          headersTimeout: 10_000,
          requestTimeout: 30_000,
          keepAliveTimeout: 5_000,
          connectionsCheckingInterval: 1_000
        }
      },
      () => resolve(listening)
    )
    listening.maxConnections = 1_000
    if ("maxHeadersCount" in listening) listening.maxHeadersCount = 0
  })
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await runtime.dispose()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startHonoHost(Number(process.env.PORT ?? 3000))
  console.log(`Hono host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
