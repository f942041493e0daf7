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
import { Cause, Clock, Effect, Either, Option, Ref, Stream } from "effect"
import type { Principal } from "../domain/access.js"
import { BadRequest, type ServiceUnavailable, TooManyRequests } from "../domain/errors.js"
import { formatTimestamp, timestampFromMillis } from "../domain/time.js"
import { MethodNotAllowed, RouteNotFound } from "../http/errors.js"
import {
  handleCancelBackfill,
  handleGetBackfill,
  handleLatestBackfill,
  handleListIncompleteBackfills,
  handleScheduleBackfill
} from "../http/handlers.js"
import type { PageCursors } from "../http/pageCursor.js"
import { bearerToken, bodyTooLarge, MAX_BODY_BYTES, type QueryParams } from "../http/request.js"
import { type HttpResponse, respond } from "../http/response.js"
import type { WorkerHealth } from "../operations/worker.js"
import { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository, WorkerRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { BackfillApi, openApiDocument } from "./api.js"
import { LapsingMap, MEMORY_CAPACITY, type Quota, RequestLimiter } from "./rateLimiter.js"

type Request = HttpServerRequest.HttpServerRequest

export type HostServices = Authenticator | TransferLookup | BackfillRepository | WorkerRepository | PageCursors

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
  error: BadRequest | RouteNotFound | MethodNotAllowed | TooManyRequests | ServiceUnavailable
) => respond(Effect.fail(error), () => ({ data: null }), hostRequestId(request))

const CLIENT_GONE = Effect.logDebug("The client closed the request before its answer")

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

interface Endpoint {
  readonly method: Method
  readonly name: EndpointName
}

interface Route {
  /** Literal segments, and `:name` for a parameter. */
  readonly segments: ReadonlyArray<string>
  readonly endpoints: readonly [Endpoint, ...Array<Endpoint>]
}

/** The API's routes, read off the HttpApi definition, so the OpenAPI document and routing agree. */
const ROUTES: ReadonlyArray<Route> = (() => {
  const byPath = new Map<string, Route>()
  for (const group of Object.values(BackfillApi.groups)) {
    for (const { path, method, name } of Object.values(group.endpoints)) {
      const endpoint: Endpoint = { method: method as Method, name: name as EndpointName }
      const known = byPath.get(path)
      byPath.set(path, {
        segments: path.slice(1).split("/"),
        endpoints: known === undefined ? [endpoint] : [...known.endpoints, endpoint]
      })
    }
  }
  return [...byPath.values()]
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
 * The address a request is charged to: IPv4 as is (also when mapped into IPv6), IPv6 by
 * its /64 prefix, which one client usually holds whole and could otherwise walk through.
 */
export const addressKey = (remote: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1]
  if (mapped !== undefined || !remote.includes(":")) return `address:${mapped ?? remote}`
  const [head = "", tail = ""] = remote.split("::")
  const headGroups = head === "" ? [] : head.split(":")
  const tailGroups = tail === "" ? [] : tail.split(":")
  const groups = remote.includes("::")
    ? [...headGroups, ...Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0"), ...tailGroups]
    : headGroups
  return `address:${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`
}

/** How long a valid token is remembered as valid, as long as the authenticator's cache. */
const RECENTLY_VALID_MILLIS = 30_000

/**
 * Whom a request is charged to: the authenticated user, per team of the path when the
 * user is a member of it (so a team's work does not spend the user's other teams'
 * quota); else the client address, for requests without a token or with one that is not
 * valid, so that spraying tokens spends the address's quota. Once the address is over
 * its limit, tokens from it are not looked up: failures stay cheap. Tokens found valid
 * lately still are, so callers sharing an address with a sprayer are not locked out.
 */
const makeIdentify = () => {
  const recentlyValid = new LapsingMap<{ readonly principal: Principal; readonly untilMillis: number }>(
    MEMORY_CAPACITY,
    (entry, now) => entry.untilMillis <= now
  )
  const charged = (principal: Principal, teamParam: string | undefined): Identified => {
    const team = principal.teamIds.find((teamId) => String(teamId) === teamParam)
    return { key: `caller:${principal.userId}:${team ?? "-"}`, unavailable: Option.none() }
  }
  return (request: Request, teamParam: string | undefined) =>
    Effect.gen(function* () {
      const byAddress: Identified = {
        key: addressKey(Option.getOrElse(request.remoteAddress, () => "unknown")),
        unavailable: Option.none()
      }
      const token = bearerToken(request.headers.authorization)
      if (token === undefined) return byAddress
      const now = yield* Clock.currentTimeMillis
      const limiter = yield* RequestLimiter
      if (Option.isSome(yield* limiter.refusedLately(byAddress.key))) {
        const known = recentlyValid.get(token, now)
        return known === undefined ? byAddress : charged(known.principal, teamParam)
      }
      const found = yield* Effect.either(
        Effect.flatMap(Authenticator, (authenticator) => authenticator.authenticate(token))
      )
      if (Either.isLeft(found)) return { key: byAddress.key, unavailable: Option.some(found.left) }
      return Option.match(found.right, {
        onNone: () => byAddress,
        onSome: (principal) => {
          recentlyValid.set(token, { principal, untilMillis: now + RECENTLY_VALID_MILLIS }, now)
          return charged(principal, teamParam)
        }
      })
    })
}

const rateHeaders = (quota: Quota) => ({
  "x-ratelimit-limit": String(quota.limit),
  "x-ratelimit-remaining": String(quota.remaining),
  "x-ratelimit-reset": String(quota.resetSeconds)
})

/** Failed steps in a row from which `/health` calls the worker unhealthy. */
const UNHEALTHY_AFTER_FAILURES = 5

/**
 * `GET /health`: 200 while the worker runs and succeeds, 503 once its loop has ended or
 * its steps keep failing, so a load balancer or an orchestrator can act on it.
 */
const healthResponse = (health: Option.Option<WorkerHealth>) =>
  Option.match(health, {
    onNone: () => HttpServerResponse.unsafeJson({ worker: null }),
    onSome: (current) =>
      HttpServerResponse.unsafeJson(
        {
          worker: {
            running: current.running,
            last_success_time: Option.getOrNull(
              Option.map(current.lastSuccessMillis, (millis) => formatTimestamp(timestampFromMillis(millis)))
            ),
            consecutive_failures: current.consecutiveFailures
          }
        },
        { status: current.running && current.consecutiveFailures < UNHEALTHY_AFTER_FAILURES ? 200 : 503 }
      )
  })

export interface FrontDoorOptions {
  /** The worker this host runs, if any, for `GET /health`. */
  readonly workerHealth: Option.Option<Ref.Ref<WorkerHealth>>
}

/** Routes one request of the API, after its charge: the matched endpoint, or an envelope saying why none. */
const route = (
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
      if (endpoint !== undefined) return ENDPOINTS[endpoint.name](request, match.params, search)
      const [first, ...rest] = match.route.endpoints
      return refuse(request, new MethodNotAllowed({ allowed: [first.method, ...rest.map(({ method }) => method)] }))
    }
  }
}

/**
 * The front door, for every request: `GET /health` is answered at once, uncharged, so
 * probes never spend a quota; anything else is charged to its caller (`identify`) and
 * answered 429 past the limit, then routed. Every charged response carries the rate
 * headers. A client that goes away mid-request is logged at debug level only; any other
 * defect is logged and answered with a bare 500.
 */
export const frontDoor = (options: FrontDoorOptions) => {
  const identify = makeIdentify()
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { path, search } = splitTarget(request.url)
    if (path === "/health" && request.method === "GET") {
      return healthResponse(yield* Effect.transposeMapOption(options.workerHealth, Ref.get))
    }
    const limiter = yield* RequestLimiter
    const match = matchPath(path)
    const who = yield* identify(request, match._tag === "Found" ? match.params.team_id : undefined)
    const quota = yield* limiter.take(who.key)
    const answer: HttpResponse | HttpServerResponse.HttpServerResponse = !quota.allowed
      ? yield* refuse(request, new TooManyRequests({ retryAfterSeconds: quota.resetSeconds }))
      : Option.isSome(who.unavailable)
        ? yield* refuse(request, who.unavailable.value)
        : yield* route(request, match, search, path)
    const response = HttpServerResponse.isServerResponse(answer) ? answer : toServerResponse(answer)
    return HttpServerResponse.setHeaders(response, rateHeaders(quota))
  }).pipe(
    Effect.onInterrupt(() => CLIENT_GONE),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.map(
            respond(Effect.die(Cause.squash(cause)), () => ({ data: null })),
            toServerResponse
          )
    )
  )
}
