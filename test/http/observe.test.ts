/**
 * Every request `dispatch` answers is observed: its `traceparent` continues the caller's
 * trace, its answer carries its span's id in `X-Span-Id`, its duration lands in
 * `http.server.request.duration` by method, route and status; and, with a tracer that
 * exports (OpenTelemetry's SDK with an in-memory exporter), each request is one trace with
 * the operation's and the repository's spans nested under the request's.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { describe, expect, it } from "@effect/vitest"
import { SpanKind } from "@opentelemetry/api"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, HashMap, Layer, Logger, Metric, TestClock } from "effect"
import { dispatch } from "../../src/http/dispatch.js"
import { observeRequest, parentFromTraceparent } from "../../src/http/observe.js"
import { matchPath } from "../../src/http/pathMatch.js"
import { logForRequest, withRequestAnnotations } from "../../src/http/requestLogs.js"
import { requestDuration } from "../../src/metrics/instruments.js"
import { scheduleSeedBackfill } from "../operations/http.js"
import { unavailableRepository, world } from "../operations/world.js"
import { incomingRequest } from "../support/incoming.js"

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"

const incoming = (target: string, headers: Readonly<Record<string, string>> = {}, method = "GET") =>
  incomingRequest(method, target, headers)

/** The histogram of the requests answered with these tags. */
const durations = (metric: typeof requestDuration, tags: Readonly<Record<string, string>>) =>
  Metric.value(Object.entries(tags).reduce((tagged, [key, value]) => Metric.tagged(tagged, key, value), metric))

const answered = (metric: typeof requestDuration, tags: Readonly<Record<string, string>>) =>
  Effect.map(durations(metric, tags), (state) => state.count)

/** A logger that keeps each log line's annotations, and what it kept. */
const annotationsLogger = () => {
  const written: Array<Record<string, string>> = []
  const capture = Logger.make(({ annotations }) => {
    written.push(Object.fromEntries(HashMap.toEntries(annotations)) as Record<string, string>)
  })
  return { written, capture }
}

describe("parentFromTraceparent", () => {
  it("reads a W3C traceparent of version 00, sampled or not", () => {
    expect(parentFromTraceparent(`00-${TRACE_ID}-${CALLER_SPAN}-01`)).toMatchObject({
      _tag: "ExternalSpan",
      traceId: TRACE_ID,
      spanId: CALLER_SPAN,
      sampled: true
    })
    expect(parentFromTraceparent(`00-${TRACE_ID}-${CALLER_SPAN}-00`)?.sampled).toBe(false)
  })

  it("reads a header with white space around it, as HTTP allows", () => {
    expect(parentFromTraceparent(` 00-${TRACE_ID}-${CALLER_SPAN}-01\t`)?.spanId).toBe(CALLER_SPAN)
  })

  it.each([
    ["absent", undefined],
    ["another version", `ff-${TRACE_ID}-${CALLER_SPAN}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${CALLER_SPAN}-01`],
    ["an all-zero span id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["upper-case hex", `00-${TRACE_ID.toUpperCase()}-${CALLER_SPAN}-01`],
    ["a short trace id", `00-${TRACE_ID.slice(1)}-${CALLER_SPAN}-01`],
    ["preceded by other text", `x00-${TRACE_ID}-${CALLER_SPAN}-01`],
    ["followed by other text", `00-${TRACE_ID}-${CALLER_SPAN}-01-x`]
  ])("ignores a header that is %s", (_, header) => {
    expect(parentFromTraceparent(header)).toBeUndefined()
  })
})

describe("dispatch observes each request", () => {
  it.effect("answers with X-Span-Id and records the duration by method, route and status", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      const found = { "http.request.method": "GET", "http.route": "/teams/:team_id/backfills/:backfill_id" }
      const unknown = { "http.request.method": "GET", "http.response.status_code": "404" }
      const before = [
        yield* answered(requestDuration, { ...found, "http.response.status_code": "200" }),
        yield* answered(requestDuration, { ...found, "http.response.status_code": "404" }),
        yield* answered(requestDuration, unknown)
      ]
      const first = yield* dispatch(incoming(`/teams/1/backfills/${id}`))
      const second = yield* dispatch(incoming(`/teams/1/backfills/${id}`))
      const missing = yield* dispatch(incoming("/teams/1/backfills/999"))
      const nowhere = yield* dispatch(incoming("/nowhere"))
      expect([first.status, second.status, missing.status, nowhere.status]).toEqual([200, 200, 404, 404])
      for (const response of [first, second, missing, nowhere])
        expect(response.headers["x-span-id"]).toMatch(/^[0-9a-f]{16}$/)
      expect(first.headers["x-span-id"]).not.toBe(second.headers["x-span-id"])
      const after = [
        yield* answered(requestDuration, { ...found, "http.response.status_code": "200" }),
        yield* answered(requestDuration, { ...found, "http.response.status_code": "404" }),
        yield* answered(requestDuration, unknown)
      ]
      expect(after.map((count, index) => count - (before[index] ?? 0))).toEqual([2, 1, 1])
    }).pipe(Effect.provide(world()))
  )

  it.effect("answers with a random X-Span-Id when tracing is off, and opens no span", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      const answers = yield* Effect.all([
        dispatch(incoming(`/teams/1/backfills/${id}`, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` })),
        ...Array.from({ length: 63 }, () => dispatch(incoming(`/teams/1/backfills/${id}`)))
      ])
      const ids = answers.map((answer) => answer.headers["x-span-id"])
      // 64 ids of 16 hex digits each, zeros leading: a half below 2^28 is drawn about once in 8 ids.
      for (const spanId of ids) expect(spanId).toMatch(/^[0-9a-f]{16}$/)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids).not.toContain(CALLER_SPAN)
    }).pipe(Effect.provide(Layer.merge(world(), Layer.setTracerEnabled(false))))
  )

  it.effect("annotates the logs a request writes with its request id, span, team and backfill", () => {
    const { written, capture } = annotationsLogger()
    return Effect.gen(function* () {
      const answer = yield* dispatch(incoming("/teams/1/backfills/7", { "x-request-id": "observe-request-0001" }))
      expect(answer.status).toBe(503)
      expect(written).toStrictEqual([
        {
          request_id: "observe-request-0001",
          span_id: answer.headers["x-span-id"],
          team_id: "1",
          backfill_id: "7"
        }
      ])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          world({ repository: unavailableRepository }),
          Layer.setTracerEnabled(false),
          Logger.replace(Logger.defaultLogger, capture)
        )
      )
    )
  })

  it.effect("annotates a log written without a request id with the request's annotations alone", () => {
    const { written, capture } = annotationsLogger()
    return Effect.gen(function* () {
      yield* withRequestAnnotations({ team_id: "1" })(logForRequest(Effect.logWarning("written by an operation")))
      expect(written).toStrictEqual([{ team_id: "1" }])
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
  })

  it.effect("adds the trace to the logs' annotations when tracing is on, and only the ids the path names", () => {
    const { written, capture } = annotationsLogger()
    return Effect.gen(function* () {
      const answer = yield* dispatch(
        incoming("/teams/1/backfills", {
          "x-request-id": "observe-request-0002",
          traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`
        })
      )
      expect(answer.status).toBe(503)
      expect(written).toStrictEqual([
        {
          request_id: "observe-request-0002",
          span_id: answer.headers["x-span-id"],
          trace_id: TRACE_ID,
          team_id: "1"
        }
      ])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(world({ repository: unavailableRepository }), Logger.replace(Logger.defaultLogger, capture))
      )
    )
  })

  it.effect("records the duration in seconds, as the clock measured the answer", () =>
    Effect.gen(function* () {
      const tags = { "http.request.method": "GET", "http.response.status_code": "204" }
      // A clock that does not start at zero, so that only the difference of the two readings is 1.5 s.
      yield* TestClock.adjust("10 seconds")
      const before = yield* durations(requestDuration, tags)
      yield* observeRequest(
        incoming("/nowhere"),
        matchPath("/nowhere"),
        Effect.as(TestClock.adjust("1500 millis"), { status: 204, headers: {}, body: "" })
      )
      const after = yield* durations(requestDuration, tags)
      expect(after.count - before.count).toBe(1)
      expect(after.sum - before.sum).toBeCloseTo(1.5, 9)
    }).pipe(Effect.provide(world()))
  )

  it.effect.each(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])(
    "records %s under its own name",
    (method) =>
      Effect.gen(function* () {
        const tags = { "http.request.method": method, "http.response.status_code": "204" }
        const before = yield* answered(requestDuration, tags)
        yield* observeRequest(
          incoming("/nowhere", {}, method),
          matchPath("/nowhere"),
          Effect.succeed({ status: 204, headers: {}, body: "" })
        )
        expect((yield* answered(requestDuration, tags)) - before).toBe(1)
      }).pipe(Effect.provide(world()))
  )

  it.effect("records a method HTTP does not define as _OTHER, so that clients cannot mint series", () =>
    Effect.gen(function* () {
      const route = "/teams/:team_id/backfills/:backfill_id"
      const other = { "http.request.method": "_OTHER", "http.route": route, "http.response.status_code": "405" }
      const before = yield* answered(requestDuration, other)
      const brewed = yield* dispatch(incoming("/teams/1/backfills/1", {}, "BREW"))
      expect(brewed.status).toBe(405)
      expect((yield* answered(requestDuration, other)) - before).toBe(1)
      expect(yield* answered(requestDuration, { ...other, "http.request.method": "BREW" })).toBe(0)
    }).pipe(Effect.provide(world()))
  )

  it.effect("sends one trace per request, the operation's and the repository's spans nested in the request's", () => {
    const exporter = new InMemorySpanExporter()
    const tracing = NodeSdk.layer(() => ({
      resource: { serviceName: "transfer-backfills-test" },
      spanProcessor: new SimpleSpanProcessor(exporter)
    }))
    return Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      exporter.reset()
      const continued = yield* dispatch(
        incoming(`/teams/1/backfills/${id}`, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` })
      )
      const fresh = yield* dispatch(incoming(`/teams/1/backfills/${id}`))
      const nowhere = yield* dispatch(incoming("/nowhere"))
      const spans = exporter.getFinishedSpans()
      const named = (name: string, traceId: string): ReadableSpan => {
        const span = spans.find((candidate) => candidate.name === name && candidate.spanContext().traceId === traceId)
        if (span === undefined) throw new Error(`no span ${name} in trace ${traceId}`)
        return span
      }
      const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId

      const server = named("GET /teams/:team_id/backfills/:backfill_id", TRACE_ID)
      expect(parentOf(server)).toBe(CALLER_SPAN)
      expect(server.spanContext().spanId).toBe(continued.headers["x-span-id"])
      expect(server.kind).toBe(SpanKind.SERVER)
      expect(server.attributes).toMatchObject({
        "http.request.method": "GET",
        "http.route": "/teams/:team_id/backfills/:backfill_id",
        "http.response.status_code": 200
      })
      const unrouted = spans.find((span) => span.spanContext().spanId === nowhere.headers["x-span-id"])
      expect([unrouted?.name, unrouted?.kind, unrouted?.attributes]).toEqual([
        "GET",
        SpanKind.SERVER,
        { "http.request.method": "GET", "http.response.status_code": 404 }
      ])
      const operation = named("getBackfill", TRACE_ID)
      expect(parentOf(operation)).toBe(server.spanContext().spanId)
      const repository = named("BackfillRepository.findForTeam", TRACE_ID)
      expect(parentOf(repository)).toBe(operation.spanContext().spanId)

      const freshServer = spans.find((span) => span.spanContext().spanId === fresh.headers["x-span-id"])
      const freshTrace = freshServer?.spanContext().traceId ?? ""
      expect(freshTrace).not.toBe(TRACE_ID)
      expect(parentOf(named("getBackfill", freshTrace))).toBe(freshServer?.spanContext().spanId)
      const traces = new Set(spans.map((span) => span.spanContext().traceId))
      expect(traces).toEqual(new Set([TRACE_ID, freshTrace, unrouted?.spanContext().traceId]))
    }).pipe(Effect.provide(Layer.merge(world(), tracing)))
  })
})
