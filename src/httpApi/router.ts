/**
 * The API as an `@effect/platform` `HttpRouter`, for Effect hosts.
 */
import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { type DispatchOptions, dispatch } from "../http/dispatch.js"
import type { ApiServices } from "../http/endpoint.js"
import { API_ROUTES } from "../http/routes.js"
import { incomingFromServerRequest, toServerResponse } from "./serverRequest.js"

const answerWith = (options: DispatchOptions) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.map(dispatch(incomingFromServerRequest(request), options), toServerResponse)
  )

/**
 * The API's routes as an `HttpRouter`, the API's ports (`ApiServices`) its only
 * requirement. Each route of the table is registered on its path, and every other request
 * (`*`) too, so that what no route takes gets SPEC's 400/404/405 envelope; every request is
 * answered by the library's dispatcher on its raw target, in SPEC's check order. A host's
 * own routes (a health check, the OpenAPI document) are more specific than `*` and win.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { HttpServer } from "@effect/platform"
 * import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { layerPageCursors } from "transfer-backfills"
 * import { backfillRouter } from "transfer-backfills/http-api"
 * import { layerMemoryBackfillRepository, layerMemoryTransferLookup, layerStaticTokens } from "transfer-backfills/memory"
 *
 * const ports = Layer.mergeAll(
 *   layerStaticTokens({}),
 *   layerMemoryTransferLookup([]),
 *   layerMemoryBackfillRepository(),
 *   layerPageCursors("a secret of at least thirty-two bytes!!")
 * )
 * backfillRouter().pipe(
 *   HttpServer.serve(),
 *   Layer.provide([ports, NodeHttpServer.layer(createServer, { port: 3000 })]),
 *   Layer.launch,
 *   NodeRuntime.runMain
 * )
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const backfillRouter = (options: DispatchOptions = {}) => {
  const answer = answerWith(options)
  const routes: HttpRouter.HttpRouter<never, ApiServices> = API_ROUTES.reduce(
    (router: HttpRouter.HttpRouter<never, ApiServices>, route) =>
      HttpRouter.route(route.method)(route.path as `/${string}`, answer)(router),
    HttpRouter.empty
  )
  return HttpRouter.all(routes, "*", answer)
}
