/**
 * The operations' and the requests' spans (`traced`, `inSpan`) open, nest, end and carry
 * what Effect's own `Effect.withSpan` does, for any nesting of spans, failures, annotations, links, spans
 * that hide themselves (`DisablePropagation`) and regions with tracing turned off.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Fiber, FastCheck as fc, Option, TestClock, Tracer } from "effect"
import { inSpan, traced } from "../../src/operations/spans.js"

interface Recorded {
  readonly name: string
  readonly parent: string
  readonly attributes: Record<string, unknown>
  readonly links: number
  readonly kind: Tracer.SpanKind
  readonly start: bigint
  end?: bigint
  exit?: string
}

/** A tracer that writes down every span it is asked for, and how each ended. */
const recorder = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const recorded: Recorded = {
        name,
        parent: Option.match(parent, {
          onNone: () => "(root)",
          onSome: (span) => (span._tag === "Span" ? span.name : `external ${span.spanId}`)
        }),
        attributes: {},
        links: links.length,
        kind,
        start: startTime
      }
      spans.push(recorded)
      const status: { value: Tracer.SpanStatus } = { value: { _tag: "Started", startTime } }
      return {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context,
        get status() {
          return status.value
        },
        attributes: new Map(),
        links,
        sampled: true,
        kind,
        attribute: (key, value) => {
          recorded.attributes[key] = value
        },
        event: () => {},
        addLinks: () => {},
        end: (endTime, exit) => {
          status.value = { _tag: "Ended", startTime, endTime, exit }
          recorded.end = endTime
          recorded.exit = Exit.isSuccess(exit) ? "success" : Exit.isInterrupted(exit) ? "interrupted" : "failure"
        }
      }
    },
    context: (execution) => execution()
  })
  return { spans, tracer }
}

type Wrap = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** How a program opens its operation spans, and its request spans (a server's, under a caller's span). */
interface Open {
  readonly operation: (name: string) => Wrap
  readonly request: (name: string) => Wrap
}

const EXTERNAL = Tracer.externalSpan({ spanId: "feed", traceId: "trace" })

const ours: Open = {
  operation: (name) => traced(name, { step: name }),
  request: (name) => (effect) =>
    inSpan(name, { kind: "server", parent: EXTERNAL, attributes: { step: name } }, () => effect)
}
const effects: Open = {
  operation: (name) => (effect) =>
    Effect.withSpan(effect, name, { captureStackTrace: false, attributes: { step: name } }),
  request: (name) => (effect) =>
    Effect.withSpan(effect, name, {
      captureStackTrace: false,
      kind: "server",
      parent: EXTERNAL,
      attributes: { step: name }
    })
}

interface Step {
  readonly name: string
  readonly kind: "span" | "request" | "native" | "hidden" | "annotated" | "linked" | "untraced"
  readonly fails: boolean
  readonly children: ReadonlyArray<Step>
}

/** Programs nested up to `depth` levels below their first step, at most three children a step. */
const stepsTo = (depth: number): fc.Arbitrary<Step> =>
  fc.record({
    name: fc.constantFrom("a", "b", "c", "d"),
    kind: fc.constantFrom("span", "span", "request", "native", "hidden", "annotated", "linked", "untraced"),
    fails: fc.boolean(),
    children: depth === 0 ? fc.constant([]) : fc.array(stepsTo(depth - 1), { maxLength: 3 })
  })

/** `step` as a program whose spans are opened by `open`; a failing child never stops its siblings. */
const program = (step: Step, open: Open): Effect.Effect<void, string> => {
  const body = Effect.zipRight(
    Effect.forEach(step.children, (child) => Effect.either(program(child, open)), { discard: true }),
    step.fails ? Effect.fail(step.name) : Effect.void
  )
  switch (step.kind) {
    case "span":
      return open.operation(step.name)(body)
    case "request":
      return open.request(step.name)(body)
    case "native":
      return Effect.withSpan(body, `native ${step.name}`, { captureStackTrace: false })
    case "hidden":
      return Effect.withSpan(body, `hidden ${step.name}`, {
        captureStackTrace: false,
        context: Context.make(Tracer.DisablePropagation, true)
      })
    case "annotated":
      return Effect.annotateSpans(body, "note", step.name)
    case "linked":
      return Effect.linkSpans(body, EXTERNAL)
    case "untraced":
      return Effect.withTracerEnabled(body, false)
  }
}

/** The spans `step`'s program records, without their times (the real clock's, here). */
const spansOf = (step: Step, open: Open) => {
  const { spans, tracer } = recorder()
  Effect.runSync(Effect.either(Effect.withTracer(open.operation("root")(program(step, open)), tracer)))
  return spans.map(({ start: _start, end, ...span }) => ({ ...span, ended: end !== undefined }))
}

describe("traced", () => {
  it.prop(
    "records the same spans as Effect.withSpan: names, parents, attributes, links, kinds, how each ended",
    [stepsTo(3)],
    ([step]) => {
      expect(spansOf(step, ours)).toStrictEqual(spansOf(step, effects))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.effect("times a span by the Clock, from its opening to its end", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      yield* TestClock.adjust(Duration.millis(5))
      yield* Effect.withTracer(traced("timed")(TestClock.adjust(Duration.millis(2))), tracer)
      expect(spans).toMatchObject([{ name: "timed", start: 5_000_000n, end: 7_000_000n, exit: "success" }])
    })
  )

  it.effect("ends an interrupted span as interrupted, and its parent after it", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      const fiber = yield* Effect.fork(Effect.withTracer(traced("outer")(traced("waiting")(Effect.never)), tracer))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      expect(spans.map(({ name, parent, exit }) => ({ name, parent, exit }))).toStrictEqual([
        { name: "outer", parent: "(root)", exit: "interrupted" },
        { name: "waiting", parent: "outer", exit: "interrupted" }
      ])
    })
  )

  it.effect("opens no span, and leaves the parent as it was, when the host has no tracer", () =>
    Effect.gen(function* () {
      const inside = yield* traced("unseen")(Effect.option(Effect.currentParentSpan))
      expect(inside).toStrictEqual(Option.none())
    })
  )
})
