/**
 * The API as a Fetch handler (`Request` → `Response`), for Hono, Bun, Deno, Next.js route
 * handlers, and Node through `@hono/node-server` or `srvx`.
 */
import { Effect, type Layer } from "effect"
import { bodyCollector, bodyCutOff, type IncomingApiRequest } from "../http/dispatch.js"
import type { ApiServices } from "../http/endpoint.js"
import type { HttpResponse } from "../http/response.js"
import { type Answerer, answererOf, type HandlerOptions } from "./answerer.js"

/**
 * A Fetch handler and what releases its ports.
 *
 * @since 0.2.0
 * @category handlers
 */
export interface WebHandler {
  /**
   * Answers a request. Where the platform passes Node's request in its environment (as
   * `@hono/node-server` does, `env.incoming`), its target and header lines are read as
   * sent; otherwise the distinct headers are counted (Fetch joins a repeated one) and the
   * path is the platform's parse, `.` and `..` segments resolved.
   */
  readonly handler: (request: Request, env?: NodeRequestEnv) => Promise<Response>
  /** Releases the ports; answer no request after. */
  readonly dispose: () => Promise<void>
}

/**
 * What `@hono/node-server` passes as a Fetch handler's environment: Node's own request.
 *
 * @since 0.2.0
 * @category handlers
 */
export interface NodeRequestEnv {
  readonly incoming?: { readonly rawHeaders: ReadonlyArray<string>; readonly url?: string | undefined } | undefined
}

const readBody = (body: ReadableStream<Uint8Array> | null) =>
  Effect.tryPromise({
    try: async () => {
      const collector = bodyCollector()
      if (body !== null) for await (const chunk of body) collector.add(chunk)
      return collector
    },
    catch: bodyCutOff
  }).pipe(Effect.flatMap((collector) => collector.bytes()))

/**
 * A Fetch request as the dispatcher reads it. With Node's request in `env`, its target
 * and header lines are read as sent; otherwise the URL's path is the platform's parse,
 * where percent-escapes stay as sent but `.` and `..` segments are already resolved.
 *
 * @since 0.2.0
 * @category handlers
 */
export const incomingFromFetch = (request: Request, env?: NodeRequestEnv): IncomingApiRequest => {
  const url = new URL(request.url)
  let headerCount = env?.incoming === undefined ? 0 : env.incoming.rawHeaders.length / 2
  if (env?.incoming === undefined) {
    request.headers.forEach(() => {
      headerCount += 1
    })
  }
  return {
    method: request.method,
    target: env?.incoming?.url ?? url.pathname + url.search,
    header: (name) => request.headers.get(name) ?? undefined,
    headerCount,
    body: Effect.suspend(() => readBody(request.body as ReadableStream<Uint8Array> | null))
  }
}

const toResponse = (answer: HttpResponse) =>
  new Response(answer.body, { status: answer.status, headers: answer.headers })

/**
 * A Fetch handler over an `Answerer`.
 *
 * @since 0.2.0
 * @category handlers
 */
export const webHandlerOf = (answerer: Answerer): WebHandler => ({
  handler: async (request, env) => toResponse(await answerer.answer(incomingFromFetch(request, env))),
  dispose: answerer.dispose
})

/**
 * The whole API as a Fetch handler, its ports built once from `ports`: every route of the
 * table on its raw path, SPEC's 400/404/405 envelopes for what no route takes, bodies
 * over 16 KiB refused, the caller's `X-Request-Id` and `Idempotency-Key` honoured.
 *
 * @example
 * ```ts
 * import { serve } from "@hono/node-server"
 * import { Layer } from "effect"
 * import { layerPageCursors } from "transfer-backfills"
 * import { toWebHandler } from "transfer-backfills/handlers"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup, layerStaticTokens } from "transfer-backfills/memory"
 *
 * const api = toWebHandler(
 *   Layer.mergeAll(
 *     layerStaticTokens({}),
 *     layerMemoryTransferLookup([]),
 *     layerMemoryBackfillRepository(),
 *     layerPageCursors("a secret of at least thirty-two bytes!!")
 *   )
 * )
 * serve({ fetch: api.handler, port: 3000 })
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const toWebHandler = <E>(ports: Layer.Layer<ApiServices, E>, options: HandlerOptions = {}): WebHandler =>
  webHandlerOf(answererOf(ports, options))
