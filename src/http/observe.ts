/**
 * What every answered request leaves behind for an operator: a server span (continuing
 * the caller's trace from its W3C `traceparent`), its id in the `X-Span-Id` response
 * header, the `http.server.request.duration` histogram, and log annotations naming the
 * team and backfill the path names. `dispatch` observes every request it answers; a host
 * that answers some requests itself (a rate limit, a preflight) observes its whole front
 * door instead, around `answerMatched`.
 */
import { Clock, Effect, FiberRef, Metric, Random, Tracer } from "effect"
import { requestDuration } from "../metrics/instruments.js"
import { labelledWith } from "../metrics/labelled.js"
import { inSpan } from "../operations/spans.js"
import type { IncomingApiRequest } from "./dispatch.js"
import type { PathMatch } from "./pathMatch.js"
import { withRequestAnnotations } from "./requestLogs.js"
import type { HttpResponse } from "./response.js"

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const ZERO_TRACE = "0".repeat(32)
const ZERO_SPAN = "0".repeat(16)

/**
 * The caller's span from a W3C `traceparent` header (version 00), or `undefined` when the
 * header is absent or malformed: then the request starts a trace of its own.
 *
 * @since 0.3.0
 * @category tracing
 */
export const parentFromTraceparent = (header: string | undefined): Tracer.ExternalSpan | undefined => {
  const parsed = header === undefined ? null : TRACEPARENT.exec(header.trim())
  if (parsed === null) return undefined
  const [, traceId = ZERO_TRACE, spanId = ZERO_SPAN, flags = "00"] = parsed
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined
  return Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 })
}

/** The route's template (`/teams/:team_id/backfills`), or `undefined` for a path no route takes. */
const routeOf = (match: PathMatch): string | undefined =>
  match._tag === "Found" ? `/${match.path.segments.join("/")}` : undefined

const hex32 = Effect.map(Random.nextIntBetween(0, 2 ** 32), (value) => value.toString(16).padStart(8, "0"))

/** With tracing off there is no span: 64 random bits, so a client's error still names a line of the host's logs. */
const randomSpanId = Effect.map(Effect.all([hex32, hex32]), ([high, low]) => high + low)

/** The histogram of one method, route and status. */
const durationOf = (method: string, route: string | undefined, status: number) =>
  labelledWith(requestDuration, {
    "http.request.method": method,
    ...(route === undefined ? {} : { "http.route": route }),
    "http.response.status_code": String(status)
  })

/** HTTP's methods; any other is `_OTHER`, as OpenTelemetry advises, so a client cannot mint series. */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])
const methodOf = (method: string) => (KNOWN_METHODS.has(method) ? method : "_OTHER")

const noStatus = (_status: number) => {}

/**
 * `answer` to `request` (whose path matched as `match`), observed: in a server span named
 * after its method and route, child of the caller's `traceparent`; its answer carrying
 * the span's id in `X-Span-Id`; its duration recorded in `http.server.request.duration`;
 * its logs (`logForRequest`) annotated with the span, trace, team and backfill. With tracing off
 * (`Layer.setTracerEnabled(false)`), no span is opened at all.
 *
 * @since 0.3.0
 * @category routing
 */
export const observeRequest = <Response extends HttpResponse, R>(
  request: IncomingApiRequest,
  match: PathMatch,
  answer: Effect.Effect<Response, never, R>
): Effect.Effect<Response, never, R> => {
  const route = routeOf(match)
  const method = methodOf(request.method)
  const params = match._tag === "Found" ? match.params : {}
  const observed = (spanId: string, traceId: string | undefined, onStatus: (status: number) => void) =>
    Effect.flatMap(Clock.currentTimeMillis, (startedMillis) =>
      answer.pipe(
        withRequestAnnotations({
          span_id: spanId,
          ...(traceId === undefined ? {} : { trace_id: traceId }),
          ...(params.team_id === undefined ? {} : { team_id: params.team_id }),
          ...(params.backfill_id === undefined ? {} : { backfill_id: params.backfill_id })
        }),
        Effect.tap((response) =>
          Effect.flatMap(Clock.currentTimeMillis, (endedMillis) => {
            onStatus(response.status)
            return Metric.update(durationOf(method, route, response.status), (endedMillis - startedMillis) / 1000)
          })
        ),
        Effect.map((response) => ({ ...response, headers: { ...response.headers, "x-span-id": spanId } }))
      )
    )
  return Effect.flatMap(FiberRef.get(FiberRef.currentTracerEnabled), (tracing) => {
    if (!tracing) return Effect.flatMap(randomSpanId, (spanId) => observed(spanId, undefined, noStatus))
    const parent = parentFromTraceparent(request.header("traceparent"))
    return inSpan(
      route === undefined ? method : `${method} ${route}`,
      {
        kind: "server",
        parent,
        attributes: { "http.request.method": method, ...(route === undefined ? {} : { "http.route": route }) }
      },
      (span) => observed(span.spanId, span.traceId, (status) => span.attribute("http.response.status_code", status))
    )
  })
}
