/**
 * The API's routes as data, for hosts that route requests themselves (Express, Fastify,
 * Hono, a bare `node:http` server): each endpoint's method, path template (`:name` for a
 * parameter, the syntax those routers share) and the handler that answers it; and the
 * answers for a request no route takes, as SPEC's envelopes.
 */
import type { Effect } from "effect"
import type { ApiMethod, ApiServices } from "./endpoint.js"
import { type AnyEndpoint, ENDPOINTS } from "./endpoints.js"
import { MethodNotAllowed, RouteNotFound } from "./errors.js"
import { refusal } from "./refusal.js"
import type { PathParams, QueryParams, RequestBody } from "./request.js"
import type { HttpResponse } from "./response.js"

/**
 * A request as any router has it; each handler reads the parts its endpoint has.
 *
 * @since 0.2.0
 * @category routing
 */
export interface ApiRequest {
  /** The `Authorization` header value, if the request had one. */
  readonly authorization: string | undefined
  /** The path parameters the router matched, still as strings. */
  readonly path: PathParams
  readonly query?: QueryParams | undefined
  /** The raw body (text or bytes; `undefined` for none), so SPEC's check order holds. */
  readonly body?: RequestBody
  /** The request id the host already uses (e.g. from `X-Request-Id`); replaced when malformed. */
  readonly requestId?: string | undefined
  /** The `Idempotency-Key` header value, if any; the routes that change a backfill honour it. */
  readonly idempotencyKey?: string | undefined
}

/**
 * One endpoint of the API: the operation it runs, its method, its path template and the
 * handler that answers a request to it.
 *
 * @since 0.2.0
 * @category routing
 */
export interface ApiRoute {
  readonly name: AnyEndpoint["name"]
  readonly method: ApiMethod
  /** A path template: literal segments and `:team_id`, `:transfer_id`, `:backfill_id`. */
  readonly path: string
  /** Answers a request of this route; never fails: every failure is an envelope. */
  readonly handle: (request: ApiRequest) => Effect.Effect<HttpResponse, never, ApiServices>
}

/** Every part any endpoint reads, from what a router has: each handler reads those of its endpoint. */
const partsOf = (request: ApiRequest) => ({
  authorization: request.authorization,
  path: request.path,
  query: request.query ?? {},
  body: request.body,
  requestId: request.requestId,
  idempotencyKey: request.idempotencyKey
})

/**
 * Every endpoint of SPEC §1, in its order, then the extensions (preview, retry, the
 * ledger), for hosts that route requests themselves: register each route's `handle` under
 * its `method` and `path` (`:name` parameters, the syntax Express, Fastify and Hono share),
 * and hand it the raw body so that the library checks the token before the body, as
 * SPEC's order says, and the `Idempotency-Key` header, without which keys are ignored.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { API_ROUTES, type ApiServices, type HttpResponse, routeNotFoundResponse } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * type Handler = (request: Request, params: Record<string, string>) => Promise<Response>
 * declare const router: {
 *   on: (method: string, path: string, handler: Handler) => void // your router's: Express, Fastify, Hono, …
 *   otherwise: (handler: Handler) => void
 * }
 *
 * const runtime = ManagedRuntime.make(ports) // built once; dispose it when the server closes
 * const toResponse = ({ status, headers, body }: HttpResponse) => new Response(body, { status, headers })
 *
 * for (const route of API_ROUTES) {
 *   router.on(route.method, route.path, async (request, params) => {
 *     const { searchParams } = new URL(request.url)
 *     const body = new Uint8Array(await request.arrayBuffer())
 *     const answer = await runtime.runPromise(
 *       route.handle({
 *         authorization: request.headers.get("authorization") ?? undefined,
 *         path: params,
 *         query: Object.fromEntries([...searchParams.keys()].map((name) => [name, searchParams.getAll(name)])),
 *         body: body.byteLength > 0 ? body : undefined,
 *         requestId: request.headers.get("x-request-id") ?? undefined,
 *         idempotencyKey: request.headers.get("idempotency-key") ?? undefined
 *       })
 *     )
 *     return toResponse(answer)
 *   })
 * }
 * router.otherwise(async () => toResponse(await runtime.runPromise(routeNotFoundResponse())))
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const API_ROUTES: ReadonlyArray<ApiRoute> = ENDPOINTS.map(
  (endpoint): ApiRoute => ({
    name: endpoint.name,
    method: endpoint.method,
    path: endpoint.path,
    handle: (request) => endpoint.handle(partsOf(request))
  })
)

/**
 * Each path of the API with the methods it takes, for the 405 a router should answer to
 * any other method on it (with `methodNotAllowedResponse`).
 *
 * @example
 * ```ts
 * import { API_PATHS } from "transfer-backfills"
 *
 * for (const { path, methods } of API_PATHS) console.log(path, methods.join(", "))
 * // /teams/:team_id/backfills/:backfill_id GET, PATCH
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const API_PATHS: ReadonlyArray<{
  readonly path: string
  readonly methods: readonly [ApiMethod, ...Array<ApiMethod>]
}> = [...new Set(API_ROUTES.map((route) => route.path))].map((path) => {
  const [first, ...rest] = API_ROUTES.filter((route) => route.path === path).map((route) => route.method)
  return { path, methods: [first as ApiMethod, ...rest] }
})

/**
 * The answer to a path no route has: SPEC's 404 envelope.
 *
 * @since 0.2.0
 * @category routing
 */
export const routeNotFoundResponse = (requestId?: string | undefined): Effect.Effect<HttpResponse> =>
  refusal(new RouteNotFound(), requestId)

/**
 * The answer to a known path asked with another method: 405 with `Allow` naming the path's
 * methods.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { methodNotAllowedResponse } from "transfer-backfills"
 *
 * // DELETE /teams/1/backfills/42
 * const response = Effect.runSync(methodNotAllowedResponse(["GET", "PATCH"]))
 * // response.status: 405; response.headers.allow: "GET, PATCH"
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const methodNotAllowedResponse = (
  allowed: readonly [ApiMethod, ...Array<ApiMethod>],
  requestId?: string | undefined
): Effect.Effect<HttpResponse> => refusal(new MethodNotAllowed({ allowed }), requestId)
