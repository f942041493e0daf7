/**
 * The spans of the operations, of their port calls and of the requests the HTTP adapter
 * answers. Operations open theirs only when the host has a tracer to send them to:
 * Effect's own tracer keeps spans nowhere a host could read them, and a span costs more
 * than the rest of a schedule on the in-memory ports (bench 1).
 *
 * A span opens here as `Effect.withSpan` opens one, and a tracer sees the same spans
 * (test/operations/spans.test.ts compares the two), for about 40 % less (bench 1b):
 * the span becomes the parent of what runs inside with one change of the fiber's context
 * each way, where `withSpan` scopes that change in a region of its own inside the
 * region that ends the span.
 */
import { Chunk, Clock, Context, Effect, type Exit, FiberRef, HashMap, Option, Tracer } from "effect"

/** The tracer every Effect runtime has until a host installs its own (`Layer.setTracer`). */
const defaultTracer = Effect.runSync(Effect.tracer)

const NO_TIME = BigInt(0)

/** The span children name as parent: the nearest one not marked `DisablePropagation`. */
const propagated = (span: Tracer.AnySpan | undefined): Option.Option<Tracer.AnySpan> => {
  let current = span
  while (current !== undefined) {
    if (!Context.get(current.context, Tracer.DisablePropagation)) return Option.some(current)
    current = current._tag === "Span" ? Option.getOrUndefined(current.parent) : undefined
  }
  return Option.none()
}

/**
 * What a span opens with: its kind (`internal` unless said), a parent other than the
 * fiber's current span (a caller's, from its `traceparent`), attributes.
 *
 * @since 0.3.0
 * @category utils
 */
export interface SpanOptions {
  readonly kind?: Tracer.SpanKind
  readonly parent?: Tracer.AnySpan | undefined
  readonly attributes?: Readonly<Record<string, unknown>> | undefined
}

/**
 * `use(span)` in a new span called `name`, opened by the fiber's tracer, the parent of
 * the spans opened inside it, and ended with `use`'s exit however it ends (success,
 * failure, interruption), timed by the `Clock` unless timing is turned off. Annotations
 * and links set around it (`Effect.annotateSpans`, `Effect.linkSpans`) go on it, as on
 * Effect's spans. With tracing off (`Layer.setTracerEnabled(false)`), Effect opens it: a
 * span that no tracer sees.
 *
 * @since 0.3.0
 * @category utils
 */
export const inSpan = <A, E, R>(
  name: string,
  options: SpanOptions,
  use: (span: Tracer.Span) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) {
      return Effect.useSpan(name, { ...options, captureStackTrace: false }, (span) =>
        Effect.withParentSpan(use(span), span)
      )
    }
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
    const outer = fiber.currentContext
    const span = fiber.currentTracer.span(
      name,
      options.parent === undefined ? propagated(fiber.currentSpan) : Option.some(options.parent),
      Context.empty(),
      Chunk.toReadonlyArray(fiber.getFiberRef(FiberRef.currentTracerSpanLinks)),
      timing ? clock.unsafeCurrentTimeNanos() : NO_TIME,
      options.kind ?? "internal"
    )
    HashMap.forEach(fiber.getFiberRef(FiberRef.currentTracerSpanAnnotations), (value, key) =>
      span.attribute(key, value)
    )
    const { attributes } = options
    if (attributes !== undefined) for (const key in attributes) span.attribute(key, attributes[key])
    // The parent is set inside the region that restores it, so an interruption between the
    // two cannot leave the span as the parent of what follows.
    return Effect.onExit(
      Effect.zipRight(FiberRef.set(FiberRef.currentContext, Context.add(outer, Tracer.ParentSpan, span)), use(span)),
      (exit: Exit.Exit<A, E>) =>
        Effect.map(FiberRef.set(FiberRef.currentContext, outer), () => {
          if (span.status._tag !== "Ended") span.end(timing ? clock.unsafeCurrentTimeNanos() : NO_TIME, exit)
        })
    )
  })

/**
 * `effect` in a span called `name` with `attributes`, when the host has installed a
 * tracer and tracing is on; `effect` itself otherwise. No stack trace is captured: the
 * name says where.
 *
 * @since 0.2.0
 * @category utils
 */
export const traced =
  (name: string, attributes?: Readonly<Record<string, unknown>>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) =>
      fiber.currentTracer === defaultTracer || !fiber.getFiberRef(FiberRef.currentTracerEnabled)
        ? effect
        : inSpan(name, { attributes }, () => effect)
    )
