/**
 * The backfill API on Fastify 5: `node --import tsx examples/fastify.ts` (PORT, default
 * 3000; Ctrl-C stops it). One runtime holds the ports for the server's life and is
 * disposed when Fastify closes. Fastify's body parsers are replaced by one that keeps
 * the raw bytes, so the library checks the token before the body, in SPEC's order.
 */
import { pathToFileURL } from "node:url"
import { ManagedRuntime } from "effect"
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify"
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

export const startFastifyHost = async (port: number) => {
  const runtime = ManagedRuntime.make(demoPorts)
  // Connection limits (docs/hosting.md, "Limits"), where Node alone would wait minutes.
  const app = Fastify({
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000
  })
  app.server.maxConnections = 1_000
  app.server.maxHeadersCount = 0 // every header reaches the hook below, which refuses too many
  app.addHook("onClose", () => runtime.dispose())
  app.removeAllContentTypeParsers()
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_request, body, done) =>
    done(null, body)
  )
  /** A header as one string (Node joins a repeated one with ", ", which no key or request id contains). */
  const headerOf = (request: FastifyRequest, name: string) => {
    const value = request.headers[name]
    return typeof value === "string" ? value : undefined
  }
  const send = (reply: FastifyReply, answer: HttpResponse) =>
    reply.code(answer.status).headers(answer.headers).send(answer.body)
  app.addHook("onRequest", async (request, reply) => {
    if (exceedsHeaderLimit(request.raw.rawHeaders.length)) {
      return send(reply, await runtime.runPromise(tooManyHeadersResponse(headerOf(request, "x-request-id"))))
    }
  })
  for (const route of API_ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const answer = await runtime.runPromise(
          route.handle({
            authorization: request.headers.authorization,
            path: request.params as Record<string, string>,
            query: request.query as Record<string, string | Array<string>>,
            body: Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined,
            requestId: headerOf(request, "x-request-id"),
            idempotencyKey: headerOf(request, "idempotency-key")
          })
        )
        return send(reply, answer)
      }
    })
  }
  // SPEC's envelopes for the requests no route takes: 405 on a known path, 404 elsewhere.
  for (const { path, methods } of API_PATHS) {
    app.route({
      method: (["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const).filter(
        (method) => !(methods as ReadonlyArray<string>).includes(method)
      ),
      url: path,
      handler: async (request, reply) =>
        send(reply, await runtime.runPromise(methodNotAllowedResponse(methods, headerOf(request, "x-request-id"))))
    })
  }
  app.setNotFoundHandler(async (request, reply) =>
    send(reply, await runtime.runPromise(routeNotFoundResponse(headerOf(request, "x-request-id"))))
  )
  const url = await app.listen({ port, host: "127.0.0.1" })
  return { url, close: () => app.close() }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startFastifyHost(Number(process.env.PORT ?? 3000))
  console.log(`Fastify host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
