/**
 * The reference host's routes, matched on the raw request target: the library's route
 * table (which a test keeps equal to the HttpApi definition the OpenAPI document comes
 * from), each answered by its handler, and envelopes for malformed paths, unknown routes and wrong
 * methods. Also the early stop on bodies over 16 KiB.
 */
import type { HttpServerRequest } from "@effect/platform"
import { HttpServerResponse } from "@effect/platform"
import { Effect, Stream } from "effect"
import { BadRequest, type ServiceUnavailable, type TooManyRequests } from "../domain/errors.js"
import { MethodNotAllowed, RouteNotFound } from "../http/errors.js"
import type { PageCursors } from "../http/pageCursor.js"
import { bodyTooLarge, MAX_BODY_BYTES, type QueryParams } from "../http/request.js"
import { type HttpResponse, respond } from "../http/response.js"
import { API_ROUTES, type ApiRoute } from "../http/routes.js"
import { openApiDocument } from "../httpApi/api.js"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository, WorkerRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"

type Request = HttpServerRequest.HttpServerRequest

export type HostServices = Authenticator | TransferLookup | BackfillRepository | WorkerRepository | PageCursors

const hostRequestId = (request: Request) => request.headers["x-request-id"]

/** What every handler passes on: the credentials, the host's request id and the request's idempotency key. */
const caller = (request: Request) => {
  const requestId = hostRequestId(request)
  const idempotencyKey = request.headers["idempotency-key"]
  return {
    authorization: request.headers.authorization,
    ...(requestId === undefined ? {} : { requestId }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey })
  }
}

/** Answers with a library error envelope for a failure found before any endpoint ran. */
export const refuse = (
  request: Request,
  error: BadRequest | RouteNotFound | MethodNotAllowed | TooManyRequests | ServiceUnavailable
) => respond(Effect.fail(error), () => ({ data: null }), hostRequestId(request))

export const CLIENT_GONE = Effect.logDebug("The client closed the request before its answer")

/**
 * The body's bytes, keeping no more than one byte past the limit; `undefined` for none.
 * The rest of an oversized body is read and dropped, so that the client, still sending,
 * gets the 400 instead of a reset connection.
 */
const withBody = <R>(request: Request, use: (body: Uint8Array | undefined) => Effect.Effect<HttpResponse, never, R>) =>
  request.stream.pipe(
    Stream.runFold({ kept: [] as Array<Uint8Array>, size: 0 }, (body, chunk) => {
      if (body.size <= MAX_BODY_BYTES) body.kept.push(chunk)
      body.size += chunk.byteLength
      return body
    }),
    Effect.matchEffect({
      // The body stopped arriving: the client went away (nobody will read this answer).
      onFailure: () =>
        Effect.zipRight(
          CLIENT_GONE,
          refuse(request, new BadRequest({ description: "The request body could not be read to its end." }))
        ),
      onSuccess: ({ kept, size }) => {
        if (size > MAX_BODY_BYTES) return refuse(request, bodyTooLarge())
        const bytes = new Uint8Array(size)
        let offset = 0
        for (const chunk of kept) {
          bytes.set(chunk, offset)
          offset += chunk.byteLength
        }
        return use(size === 0 ? undefined : bytes)
      }
    })
  )

const queryOf = (search: string): QueryParams => {
  const params = new URLSearchParams(search)
  const query: Record<string, string | Array<string>> = {}
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    query[name] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

type PathParams = Readonly<Record<string, string>>

/** One route of the table, answered by its handler: a GET with the query, any other with the body. */
const answer = (route: ApiRoute, request: Request, path: PathParams, search: string) => {
  const parts = { ...caller(request), path }
  return route.method === "GET"
    ? route.handle({ ...parts, query: queryOf(search) })
    : withBody(request, (body) => route.handle({ ...parts, body }))
}

interface Route {
  /** Literal segments, and `:name` for a parameter. */
  readonly segments: ReadonlyArray<string>
  readonly endpoints: readonly [ApiRoute, ...Array<ApiRoute>]
}

/** The library's routes, grouped by path. */
const ROUTES: ReadonlyArray<Route> = (() => {
  const byPath = new Map<string, Route>()
  for (const endpoint of API_ROUTES) {
    const known = byPath.get(endpoint.path)
    byPath.set(endpoint.path, {
      segments: endpoint.path.slice(1).split("/"),
      endpoints: known === undefined ? [endpoint] : [...known.endpoints, endpoint]
    })
  }
  return [...byPath.values()]
})()

type PathMatch =
  | { readonly _tag: "Malformed"; readonly error: BadRequest }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Found"; readonly route: Route; readonly params: PathParams }

const malformed = (description: string): PathMatch => ({ _tag: "Malformed", error: new BadRequest({ description }) })

/**
 * Matches a raw path (as it arrived, still percent-encoded) against the routes. Path
 * parameters are the raw segments, never decoded: `5;foo=bar`, `%35` or `a%2Fb` are ids
 * of their own, which the library refuses with a 400 after authentication (SPEC §3 step
 * 2). Dot segments are refused outright: resolving `/teams/2/../1` would move a request
 * from one team's path to another's.
 */
export const matchPath = (rawPath: string): PathMatch => {
  if (!rawPath.startsWith("/")) return malformed("The request target must be a path starting with /.")
  const segments = rawPath.slice(1).split("/")
  if (segments.some((segment) => segment === "." || segment === ".." || /^%2e(%2e|\.)?$|^\.%2e$/i.test(segment))) {
    return malformed("The request path must not contain . or .. segments.")
  }
  for (const route of ROUTES) {
    if (route.segments.length !== segments.length) continue
    const params: Record<string, string> = {}
    const fits = route.segments.every((expected, index) => {
      const actual = segments[index] ?? ""
      if (!expected.startsWith(":")) return actual === expected
      params[expected.slice(1)] = actual
      return actual !== ""
    })
    if (fits) return { _tag: "Found", route, params }
  }
  return { _tag: "Unknown" }
}

/** Splits a request target into its raw path and its query (without `?`). */
export const splitTarget = (url: string) => {
  const question = url.indexOf("?")
  return question === -1 ? { path: url, search: "" } : { path: url.slice(0, question), search: url.slice(question + 1) }
}

/** The OpenAPI document never changes while the host runs: built on first request, then kept. */
let document: ReturnType<typeof openApiDocument> | undefined
const servedDocument = () => {
  document ??= openApiDocument()
  return document
}

/** Routes one request of the API, after its charge: the matched endpoint, or an envelope saying why none. */
export const route = (
  request: Request,
  match: PathMatch,
  search: string,
  path: string
): Effect.Effect<HttpResponse | HttpServerResponse.HttpServerResponse, never, HostServices> => {
  if (path === "/openapi.json" && request.method === "GET") {
    return Effect.succeed(HttpServerResponse.unsafeJson(servedDocument()))
  }
  switch (match._tag) {
    case "Malformed":
      return refuse(request, match.error)
    case "Unknown":
      return refuse(request, new RouteNotFound())
    case "Found": {
      const endpoint = match.route.endpoints.find((candidate) => candidate.method === request.method)
      if (endpoint !== undefined) return answer(endpoint, request, match.params, search)
      const [first, ...rest] = match.route.endpoints
      return refuse(request, new MethodNotAllowed({ allowed: [first.method, ...rest.map(({ method }) => method)] }))
    }
  }
}
