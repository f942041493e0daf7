/**
 * The backfill API on Express 5: `node --import tsx examples/express.ts` (PORT, default
 * 3000; Ctrl-C stops it). One runtime holds the ports for the server's life and is
 * disposed when it closes. Bodies reach the library raw, so it checks the token and the
 * caller's access before it reads the body, in SPEC's order.
 */
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
// #region readme
import { ManagedRuntime } from "effect"
import express, { type Response } from "express"
import {
  API_PATHS,
  API_ROUTES,
  type HttpResponse,
  methodNotAllowedResponse,
  routeNotFoundResponse
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
  const server = app.listen(port, "127.0.0.1")
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
