/**
 * The spans of the operations and of their port calls, opened only when the host has a
 * tracer to send them to. Effect's own tracer keeps spans nowhere a host could read them,
 * and opening one costs more than the rest of a schedule on the in-memory ports (bench 1),
 * so without a tracer of the host's the operations run without spans.
 */
import { Effect } from "effect"

/** The tracer every Effect runtime has until a host installs its own (`Layer.setTracer`). */
const defaultTracer = Effect.runSync(Effect.tracer)

/**
 * `effect` in a span called `name` with `attributes`, when the host has installed a
 * tracer; `effect` itself otherwise. No stack trace is captured: the name says where.
 *
 * @since 0.2.0
 * @category utils
 */
export const traced =
  (name: string, attributes?: Readonly<Record<string, unknown>>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tracerWith((tracer) =>
      tracer === defaultTracer
        ? effect
        : Effect.withSpan(effect, name, {
            captureStackTrace: false,
            ...(attributes === undefined ? {} : { attributes })
          })
    )
