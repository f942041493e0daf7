/**
 * What a request's logs are annotated with (its span, trace, team and backfill), kept in a
 * fiber ref of its own and put on a log only when one is written. Annotating every
 * request up front (`Effect.annotateLogs`) rebuilds the fiber's annotation map each time:
 * on a read, a tenth of its CPU, for logs that almost no request writes.
 */
import { Effect, FiberRef } from "effect"

const requestAnnotations = FiberRef.unsafeMake<Readonly<Record<string, string>>>({})

/** Runs `effect` with `annotations` for the logs of its request. */
export const withRequestAnnotations =
  (annotations: Readonly<Record<string, string>>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.locally(effect, requestAnnotations, annotations)

/**
 * `log` annotated with its request's span, trace, team and backfill (`observeRequest`), and
 * its request id when one is given. Every log a request writes goes through it.
 *
 * @since 0.3.0
 * @category routing
 */
export const logForRequest = <A, E, R>(log: Effect.Effect<A, E, R>, requestId?: string): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(requestAnnotations), (annotations) =>
    Effect.annotateLogs(log, requestId === undefined ? annotations : { request_id: requestId, ...annotations })
  )
