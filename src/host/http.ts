/**
 * The reference host's HTTP layer: a front door that routes requests to the library's
 * handlers itself, on the raw request target, and adds what production needs around
 * them: rate limits charged to the authenticated caller (or to the address for requests
 * without a valid token), a body size limit that stops reading early, envelopes for
 * malformed paths, unknown routes and wrong methods, the OpenAPI document and the
 * worker's health. The library decides every answer of an endpoint; this module only
 * moves bytes.
 */
import { Cause, Effect, Metric, Option, Ref } from "effect"
import { TooManyRequests } from "../domain/errors.js"
import { resolveRequestId } from "../domain/requestId.js"
import { epochSecondsFromMillis, formatEpochSeconds } from "../domain/time.js"
import { tooManyHeaders } from "../http/headerLimit.js"
import { observeRequest } from "../http/observe.js"
import { matchPath, splitTarget } from "../http/pathMatch.js"
import { errorResponse, type HttpResponse, respond } from "../http/response.js"
import { CLIENT_GONE } from "../httpApi/serverRequest.js"
import { requestsRateLimited } from "../metrics/instruments.js"
import type { WorkerHealth } from "../operations/worker.js"
import { byAddress, makeIdentify, rateHeaders } from "./callers.js"
import { eventStreamPath } from "./eventStream.js"
import type { EventsConfig } from "./eventsConfig.js"
import { RequestLimiter } from "./rateLimiter.js"
import { type HostServices, jsonAnswer, refuse, route } from "./routes.js"
import type { HostAnswer, HostIncoming } from "./server.js"
import { makeStreamSlots } from "./streamSlots.js"

/** Failed steps in a row from which `/health` calls the worker unhealthy. */
const UNHEALTHY_AFTER_FAILURES = 5

/**
 * `GET /health`: 200 while the worker runs and succeeds, 503 once its loop has ended or
 * its steps keep failing, so a load balancer or an orchestrator can act on it.
 */
const healthResponse = (health: Option.Option<WorkerHealth>): HttpResponse =>
  Option.match(health, {
    onNone: () => jsonAnswer(200, { worker: null }),
    onSome: (current) =>
      jsonAnswer(current.running && current.consecutiveFailures < UNHEALTHY_AFTER_FAILURES ? 200 : 503, {
        worker: {
          running: current.running,
          last_success_time: Option.getOrNull(
            Option.map(current.lastSuccessMillis, (millis) => formatEpochSeconds(epochSecondsFromMillis(millis)))
          ),
          consecutive_failures: current.consecutiveFailures
        }
      })
  })

interface FrontDoorOptions {
  /** The worker this host runs, if any, for `GET /health`. */
  readonly workerHealth: Option.Option<Ref.Ref<WorkerHealth>>
  /** `Access-Control-Allow-Origin` of every response. */
  readonly corsAllowOrigin: string
  /** The most headers a request may carry; one with more gets a 400. */
  readonly maxRequestHeaders: number
  /** How the backfills' event streams poll, keep alive and end. */
  readonly events: Pick<EventsConfig, "pollInterval" | "heartbeat" | "maxStream" | "maxStreams" | "maxStreamsPerTeam">
}

/** The host's own paths, beside the API's: each takes GET only. */
const HOST_PATHS = new Set(["/health", "/openapi.json"])

/** What a web page's script may read of a response, beside the basic headers. */
const EXPOSED_HEADERS =
  "Link, X-Request-Id, X-Span-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"

/** The CORS headers of every response of the host, preflights aside. */
export const corsHeaders = (origin: string) => ({
  "access-control-allow-origin": origin,
  "access-control-expose-headers": EXPOSED_HEADERS
})

/** What a web page may send: the credentials, the body's type and the headers the API reads. */
const ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id"

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600

/**
 * A CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) of one of the API's
 * paths: 204 naming the path's methods. It carries no credentials, so it is neither
 * authenticated nor charged; the request it announces will be.
 */
const preflightResponse = (methods: ReadonlyArray<string>, origin: string): HttpResponse => ({
  status: 204,
  headers: {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
    "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS)
  },
  body: ""
})

/** `headers` added to `response`'s. */
const withHeaders = <Response extends HttpResponse>(
  response: Response,
  headers: Readonly<Record<string, string>>
): Response => ({
  ...response,
  headers: { ...response.headers, ...headers }
})

/**
 * The front door, for every request: `GET /health` and CORS preflights are answered at
 * once, uncharged, so probes never spend a quota; anything else is charged to its caller
 * (`identify`) and answered 429 past the limit, then routed. A request with more headers
 * than the host reads is charged to its address and answered 400 before any of its
 * headers is read. Every charged response carries the rate headers, and every response
 * the CORS ones. A client that goes away mid-request is logged at debug level only; any
 * other defect is logged and answered with a bare 500. Every request is observed as the
 * library's `dispatch` observes its own (`observeRequest`), the 429s counted besides.
 */
export const frontDoor = (options: FrontDoorOptions) => {
  const identify = makeIdentify()
  const slots = makeStreamSlots(options.events)
  const cors = corsHeaders(options.corsAllowOrigin)
  return (request: HostIncoming): Effect.Effect<HostAnswer, never, HostServices | RequestLimiter> => {
    const { path, search } = splitTarget(request.target)
    const match = matchPath(path)
    const answering = Effect.gen(function* () {
      if (path === "/health" && request.method === "GET") {
        return withHeaders(healthResponse(yield* Effect.transposeMapOption(options.workerHealth, Ref.get)), cors)
      }
      if (request.method === "OPTIONS" && request.header("access-control-request-method") !== undefined) {
        if (match._tag === "Found") {
          return preflightResponse(
            match.path.routes.map(({ method }) => method),
            options.corsAllowOrigin
          )
        }
        if (HOST_PATHS.has(path) || Option.isSome(eventStreamPath(path)))
          return preflightResponse(["GET"], options.corsAllowOrigin)
      }
      const limiter = yield* RequestLimiter
      const overHeaderLimit = request.headerCount > options.maxRequestHeaders
      const who = overHeaderLimit
        ? byAddress(request)
        : yield* identify(request, match._tag === "Found" ? match.params.team_id : undefined)
      const quota = yield* Effect.either(limiter.take(who.key))
      if (quota._tag === "Left") {
        // The store failed and says so in its own, throttled, log: answered without another line.
        const requestId = yield* resolveRequestId(request.header("x-request-id"))
        return withHeaders(errorResponse(requestId, quota.left), cors)
      }
      if (!quota.right.allowed) yield* Metric.increment(requestsRateLimited)
      const answer = !quota.right.allowed
        ? yield* refuse(request, new TooManyRequests({ retryAfterSeconds: quota.right.resetSeconds }))
        : overHeaderLimit
          ? yield* refuse(request, tooManyHeaders(options.maxRequestHeaders))
          : Option.isSome(who.unavailable)
            ? yield* refuse(request, who.unavailable.value)
            : yield* route(request, match, search, path, options.events, slots)
      return withHeaders(answer, { ...rateHeaders(quota.right), ...cors })
    }).pipe(
      Effect.onInterrupt(() => CLIENT_GONE),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.map(
              respond(Effect.die(Cause.squash(cause)), () => ({ data: null })),
              (response) => withHeaders(response, cors)
            )
      )
    )
    return observeRequest(request, match, answering)
  }
}
