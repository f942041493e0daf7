/**
 * The reference host's HTTP layer: a front door that routes requests to the library's
 * handlers itself, on the raw request target, and adds what production needs around
 * them: rate limits charged to the authenticated caller (or to the address for requests
 * without a valid token), a body size limit that stops reading early, envelopes for
 * malformed paths, unknown routes and wrong methods, the OpenAPI document and the
 * worker's health. The library decides every answer of an endpoint; this module only
 * moves bytes.
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Either, Option, Ref, Stream } from "effect"
import { BadRequest, MethodNotAllowed, NotFound, type ServiceUnavailable, TooManyRequests } from "../domain/errors.js"
import { formatTimestamp, timestampFromMillis } from "../domain/time.js"
import {
  handleCancelBackfill,
  handleGetBackfill,
  handleLatestBackfill,
  handleListIncompleteBackfills,
  handleScheduleBackfill
} from "../handlers.js"
import type { WorkerHealth } from "../operations/worker.js"
import { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { type HttpResponse, respond } from "../wire/httpResponse.js"
import type { PageCursors } from "../wire/pageCursor.js"
import { bearerToken, bodyTooLarge, MAX_BODY_BYTES, type QueryParams } from "../wire/request.js"
import { BackfillApi, openApiDocument } from "./api.js"
import { type Quota, RequestLimiter } from "./rateLimiter.js"

type Request = HttpServerRequest.HttpServerRequest

export type HostServices = Authenticator | TransferLookup | BackfillRepository | PageCursors

const toServerResponse = (response: HttpResponse) =>
  HttpServerResponse.text(response.body, {
    status: response.status,
    headers: response.headers,
    contentType: "application/json"
  })

const hostRequestId = (request: Request) => request.headers["x-request-id"]

/** What every handler passes on: the credentials and the host's request id. */
const caller = (request: Request) => {
  const requestId = hostRequestId(request)
  return {
    authorization: request.headers.authorization,
    ...(requestId === undefined ? {} : { requestId })
  }
}

/** Answers with a library error envelope for a failure found before any endpoint ran. */
const refuse = (
  request: Request,
  error: BadRequest | NotFound | MethodNotAllowed | TooManyRequests | ServiceUnavailable
) => respond(Effect.fail(error), () => ({ data: null }), hostRequestId(request))

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
      onFailure: () => refuse(request, bodyTooLarge()),
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

type Method = MethodNotAllowed["allowed"][number]
type EndpointName = "schedule" | "latest" | "get" | "list" | "cancel"
type PathParams = Readonly<Record<string, string>>

/** Each endpoint of the HttpApi definition, answered by the library's handler. */
const ENDPOINTS: {
  readonly [Name in EndpointName]: (
    request: Request,
    path: PathParams,
    search: string
  ) => Effect.Effect<HttpResponse, never, HostServices>
} = {
  schedule: (request, path) => withBody(request, (body) => handleScheduleBackfill({ ...caller(request), path, body })),
  latest: (request, path) => handleLatestBackfill({ ...caller(request), path }),
  get: (request, path) => handleGetBackfill({ ...caller(request), path }),
  list: (request, path, search) => handleListIncompleteBackfills({ ...caller(request), path, query: queryOf(search) }),
  cancel: (request, path) => withBody(request, (body) => handleCancelBackfill({ ...caller(request), path, body }))
}

interface Route {
  /** Literal segments, and `:name` for a parameter. */
  readonly segments: ReadonlyArray<string>
  readonly endpoints: ReadonlyArray<{ readonly method: Method; readonly name: EndpointName }>
}

/** The API's routes, read off the HttpApi definition, so the OpenAPI document and routing agree. */
const ROUTES: ReadonlyArray<Route> = (() => {
  const byPath = new Map<string, Array<Route["endpoints"][number]>>()
  for (const group of Object.values(BackfillApi.groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      const known = byPath.get(endpoint.path) ?? []
      known.push({ method: endpoint.method as Method, name: endpoint.name as EndpointName })
      byPath.set(endpoint.path, known)
    }
  }
  return [...byPath].map(([path, endpoints]) => ({ segments: path.slice(1).split("/"), endpoints }))
})()

export type PathMatch =
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
const splitTarget = (url: string) => {
  const question = url.indexOf("?")
  return question === -1 ? { path: url, search: "" } : { path: url.slice(0, question), search: url.slice(question + 1) }
}

/** The OpenAPI document never changes while the host runs: built on first request, then kept. */
let document: ReturnType<typeof openApiDocument> | undefined
const servedDocument = () => {
  document ??= openApiDocument()
  return document
}

interface Identified {
  /** Whom the request is charged to. */
  readonly key: string
  /** The authenticator could not answer: the request gets a 503. */
  readonly unavailable: Option.Option<ServiceUnavailable>
}

/**
 * Whom a request is charged to: the authenticated user, per team of the path when the
 * user is a member of it (so a team's work does not spend the user's other teams'
 * quota); else the client address, for requests without a token or with one that is not
 * valid, so that spraying tokens spends the address's quota. Once the address is over
 * its limit, its tokens are not even looked up: failures stay cheap.
 */
const identify = (request: Request, teamParam: string | undefined) =>
  Effect.gen(function* () {
    const address = `address:${Option.getOrElse(request.remoteAddress, () => "unknown")}`
    const byAddress: Identified = { key: address, unavailable: Option.none() }
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) return byAddress
    const limiter = yield* RequestLimiter
    if (Option.isSome(yield* limiter.refusedLately(address))) return byAddress
    const authenticator = yield* Authenticator
    const found = yield* Effect.either(authenticator.authenticate(token))
    if (Either.isLeft(found)) return { key: address, unavailable: Option.some(found.left) }
    return Option.match(found.right, {
      onNone: () => byAddress,
      onSome: (principal): Identified => {
        const team = principal.teamIds.find((teamId) => String(teamId) === teamParam)
        return { key: `caller:${principal.userId}:${team ?? "-"}`, unavailable: Option.none() }
      }
    })
  })

const rateHeaders = (quota: Quota) => ({
  "x-ratelimit-limit": String(quota.limit),
  "x-ratelimit-remaining": String(quota.remaining),
  "x-ratelimit-reset": String(quota.resetSeconds)
})

/** The worker's health, as the `/health` route shows it. */
const healthBody = (health: WorkerHealth) => ({
  worker: {
    running: health.running,
    last_success_time: Option.getOrNull(
      Option.map(health.lastSuccessMillis, (millis) => formatTimestamp(timestampFromMillis(millis)))
    ),
    consecutive_failures: health.consecutiveFailures
  }
})

export interface FrontDoorOptions {
  /** The worker this host runs, if any, for `GET /health`. */
  readonly workerHealth: Option.Option<Ref.Ref<WorkerHealth>>
}

/** Routes one request, after its charge: a matched route's endpoint or one of the host's own answers. */
const route = (
  request: Request,
  options: FrontDoorOptions
): Effect.Effect<HttpResponse | HttpServerResponse.HttpServerResponse, never, HostServices> => {
  const { path, search } = splitTarget(request.url)
  if (path === "/openapi.json" && request.method === "GET") {
    return Effect.succeed(HttpServerResponse.unsafeJson(servedDocument()))
  }
  if (path === "/health" && request.method === "GET") {
    return Option.match(options.workerHealth, {
      onNone: () => Effect.succeed(HttpServerResponse.unsafeJson({ worker: null })),
      onSome: (health) => Effect.map(Ref.get(health), (current) => HttpServerResponse.unsafeJson(healthBody(current)))
    })
  }
  const match = matchPath(path)
  switch (match._tag) {
    case "Malformed":
      return refuse(request, match.error)
    case "Unknown":
      return refuse(request, new NotFound({ resource: "route" }))
    case "Found": {
      const endpoint = match.route.endpoints.find((candidate) => candidate.method === request.method)
      if (endpoint === undefined) {
        const [first, ...rest] = match.route.endpoints.map((candidate) => candidate.method)
        return first === undefined
          ? refuse(request, new NotFound({ resource: "route" }))
          : refuse(request, new MethodNotAllowed({ allowed: [first, ...rest] }))
      }
      return ENDPOINTS[endpoint.name](request, match.params, search)
    }
  }
}

/**
 * The front door, for every request: charges it to its caller (`identify`) and answers
 * 429 past the limit, then routes it. Every response carries the rate headers. A client
 * that goes away mid-request is logged at debug level only; any other defect is logged
 * and answered with a bare 500.
 */
export const frontDoor = (options: FrontDoorOptions) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const limiter = yield* RequestLimiter
    const match = matchPath(splitTarget(request.url).path)
    const who = yield* identify(request, match._tag === "Found" ? match.params.team_id : undefined)
    const quota = yield* limiter.take(who.key)
    const answer: HttpResponse | HttpServerResponse.HttpServerResponse = !quota.allowed
      ? yield* refuse(request, new TooManyRequests({ retryAfterSeconds: quota.resetSeconds }))
      : Option.isSome(who.unavailable)
        ? yield* refuse(request, who.unavailable.value)
        : yield* route(request, options)
    const response = HttpServerResponse.isServerResponse(answer) ? answer : toServerResponse(answer)
    return HttpServerResponse.setHeaders(response, rateHeaders(quota))
  }).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.zipRight(Effect.logDebug("The client closed the request before its answer"), Effect.failCause(cause))
        : Effect.map(
            respond(Effect.die(Cause.squash(cause)), () => ({ data: null })),
            toServerResponse
          )
    )
  )
