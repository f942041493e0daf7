/**
 * The backfill API on Express 5: `node --import tsx examples/express.ts` (PORT, default
 * 3000; Ctrl-C stops it). One runtime holds the ports for the server's life and is
 * disposed when it closes. Bodies reach the library raw, so it checks the token and the
 * caller's access before it reads the body, in SPEC's order.
 */

// #region readme
import { once } from "node:events"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { ManagedRuntime } from "effect"
import express, { type Response } from "express"
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

export const startExpressHost = async (port: number) => {
  const runtime = ManagedRuntime.make(demoPorts) // built once; `close` disposes it
  const app = express().disable("x-powered-by")
  // Raw bytes, parsed by the library: a framework's JSON parser would answer a bad body
  // with its own 400 before the library could answer a missing token with 401.
  app.use(express.raw({ type: () => true, limit: "1mb" }))
  const send = (response: Response, answer: HttpResponse) =>
    response.status(answer.status).set(answer.headers).send(answer.body)
  // Every header reaches the library (see `maxHeadersCount` below), so too many is a 400, never a dropped one.
  app.use(async (request, response, next) => {
    if (!exceedsHeaderLimit(request.rawHeaders.length)) return next()
    send(response, await runtime.runPromise(tooManyHeadersResponse(request.get("x-request-id"))))
  })
  for (const route of API_ROUTES) {
    app[route.method === "GET" ? "get" : route.method === "POST" ? "post" : "patch"](
      route.path,
      async (request, response) => {
        const answer = await runtime.runPromise(
          route.handle({
            authorization: request.headers.authorization,
            path: request.params,
            query: request.query as Record<string, string | Array<string>>,
            body: Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined,
            requestId: request.get("x-request-id"),
            idempotencyKey: request.get("idempotency-key")
          })
        )
        send(response, answer)
      }
    )
  }
  // SPEC's envelopes for the requests no route takes: 405 on a known path, 404 elsewhere.
  for (const { path, methods } of API_PATHS) {
    app.all(path, async (request, response) =>
      send(response, await runtime.runPromise(methodNotAllowedResponse(methods, request.get("x-request-id"))))
    )
  }
  app.use(async (request, response) =>
    send(response, await runtime.runPromise(routeNotFoundResponse(request.get("x-request-id"))))
  )
  // Connection limits (docs/hosting.md, "Limits"): Node alone keeps a silent socket for a
  // minute, a trickling body for five, and takes connections until the process runs out of files.
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    app
  )
  server.maxConnections = 1_000
  server.maxHeadersCount = 0 // Node would drop headers past the 1,000th without a word
  server.listen(port, "127.0.0.1")
  await once(server, "listening")
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await runtime.dispose()
    }
  }
}
// #endregion

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startExpressHost(Number(process.env.PORT ?? 3000))
  console.log(`Express host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
