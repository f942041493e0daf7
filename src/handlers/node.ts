/**
 * The API as a Node request listener (`(req, res)`), for `node:http`, Express and Fastify.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Effect, type Layer } from "effect"
import { bodyCollector, bodyCutOff, type IncomingApiRequest } from "../http/dispatch.js"
import type { ApiServices } from "../http/endpoint.js"
import { type Answerer, answererOf, type HandlerOptions } from "./answerer.js"

/**
 * A Node request listener and what releases its ports.
 *
 * @since 0.2.0
 * @category handlers
 */
export interface NodeHandler {
  /** Answers a request; mount it before any body parser, as it reads the body itself. */
  readonly handler: (request: IncomingMessage, response: ServerResponse) => void
  /** Releases the ports; answer no request after. */
  readonly dispose: () => Promise<void>
}

// The rest of an oversized body is read and dropped, so that the client, still sending,
// gets the 400 instead of a reset connection.
const readBody = (request: IncomingMessage) =>
  Effect.tryPromise({
    try: async () => {
      const collector = bodyCollector()
      for await (const chunk of request) collector.add(chunk as Uint8Array)
      return collector
    },
    catch: bodyCutOff
  }).pipe(Effect.flatMap((collector) => collector.bytes()))

/**
 * A Node request as the dispatcher reads it: the target as sent, every header line counted.
 *
 * @since 0.2.0
 * @category handlers
 */
export const incomingFromNode = (request: IncomingMessage): IncomingApiRequest => ({
  method: request.method ?? "GET",
  target: request.url ?? "/",
  header: (name) => {
    const value = request.headers[name]
    return Array.isArray(value) ? value.join(", ") : value
  },
  headerCount: request.rawHeaders.length / 2,
  body: Effect.suspend(() => readBody(request))
})

/**
 * A Node request listener over an `Answerer`.
 *
 * @since 0.2.0
 * @category handlers
 */
export const nodeHandlerOf = (answerer: Answerer): NodeHandler => ({
  handler: (request, response) => {
    void answerer.answer(incomingFromNode(request)).then((answer) => {
      if (response.headersSent) return
      const length = Buffer.byteLength(answer.body)
      response.writeHead(answer.status, { ...answer.headers, "content-length": String(length) }).end(answer.body)
    })
  },
  dispose: answerer.dispose
})

/**
 * The whole API as a Node request listener, its ports built once from `ports`: every
 * route of the table on its raw path, SPEC's 400/404/405 envelopes for what no route
 * takes, bodies over 16 KiB refused, more than `maxRequestHeaders` header lines refused,
 * the caller's `X-Request-Id` and `Idempotency-Key` honoured. Mount it before any body
 * parser: it reads the body itself, after the caller's token and access are checked.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { Layer } from "effect"
 * import { layerPageCursors } from "transfer-backfills"
 * import { toNodeHandler } from "transfer-backfills/handlers"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup, layerStaticTokens } from "transfer-backfills/memory"
 *
 * const api = toNodeHandler(
 *   Layer.mergeAll(
 *     layerStaticTokens({}),
 *     layerMemoryTransferLookup([]),
 *     layerMemoryBackfillRepository(),
 *     layerPageCursors("a secret of at least thirty-two bytes!!")
 *   )
 * )
 * const server = createServer(api.handler).listen(3000)
 * server.on("close", () => void api.dispose())
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const toNodeHandler = <E>(ports: Layer.Layer<ApiServices, E>, options: HandlerOptions = {}): NodeHandler =>
  nodeHandlerOf(answererOf(ports, options))
