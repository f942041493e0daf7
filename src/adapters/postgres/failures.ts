/**
 * The one failure policy of the PostgreSQL adapters, applied around every call a port
 * makes: what the database could not do because it is unavailable becomes
 * `ServiceUnavailable` (SPEC §5: 503), whatever else it refuses is a defect, and no call
 * waits longer than its deadline.
 */
import type { SqlError } from "@effect/sql"
import { Duration, Effect, FiberId, Option } from "effect"
import { ServiceUnavailable } from "../../domain/errors.js"
import { carryKeyReplay } from "../../ports/keyReplay.js"

/**
 * How long a port call may wait for the database unless the adapter is told otherwise: 5
 * seconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DEADLINE = Duration.seconds(5)

/**
 * The SQLSTATE the server answered with; none when the server was never reached.
 *
 * @since 0.1.0
 * @category utils
 */
export const sqlState = (error: SqlError.SqlError): string | undefined => {
  const cause = error.cause as { readonly code?: unknown } | undefined
  return typeof cause?.code === "string" && /^[0-9A-Z]{5}$/.test(cause.code) ? cause.code : undefined
}

const isSqlError = (value: unknown): value is SqlError.SqlError =>
  typeof value === "object" && value !== null && (value as { readonly _tag?: unknown })._tag === "SqlError"

/**
 * SQLSTATE classes of a database that cannot answer now: connection exceptions,
 * transaction rollbacks (a lost serialisation race), insufficient resources, object not
 * in prerequisite state, operator intervention (a cancelled statement, a shutdown),
 * system errors.
 */
const UNAVAILABLE_CLASSES = ["08", "40", "53", "55", "57", "58"]

const classify = (error: SqlError.SqlError): Effect.Effect<never, ServiceUnavailable> => {
  const state = sqlState(error)
  return state === undefined || UNAVAILABLE_CLASSES.includes(state.slice(0, 2))
    ? Effect.fail(new ServiceUnavailable({ cause: error }))
    : Effect.die(error)
}

/**
 * Runs `effect` in a fiber of its own and answers with its result, or with
 * `onTimeout()` after `deadlineMillis` while the fiber is interrupted in the background
 * (a rollback on a frozen connection would otherwise hold the caller until the
 * connection dies). One fiber and one timer per call: a database call's deadline is wall
 * time, and this is the hot path of every port. An interrupted caller does not wait
 * for the call's interruption either.
 */
const withDeadline =
  (deadlineMillis: number, onTimeout: () => ServiceUnavailable) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ServiceUnavailable, R> =>
    Effect.flatMap(Effect.forkDaemon(effect), (fiber) =>
      Effect.async<A, E | ServiceUnavailable>((resume) => {
        let answered = false
        const answer = (result: Effect.Effect<A, E | ServiceUnavailable>) => {
          if (answered) return
          answered = true
          clearTimeout(timer)
          resume(result)
        }
        const timer = setTimeout(() => {
          answer(Effect.fail(onTimeout()))
          fiber.unsafeInterruptAsFork(FiberId.none)
        }, deadlineMillis)
        fiber.addObserver((exit) => answer(Effect.zipRight(carryKeyReplay(fiber), exit)))
        return Effect.sync(() => {
          answered = true
          clearTimeout(timer)
          fiber.unsafeInterruptAsFork(FiberId.none)
        })
      })
    )

/**
 * Runs one port call against the database:
 * - a `SqlError`, failed or died with (`@effect/sql` turns a failed COMMIT or ROLLBACK,
 *   such as one on a connection reset mid-transaction, into a defect), is classified:
 *   never reached, or an unavailable SQLSTATE → `ServiceUnavailable`; anything else the
 *   database refused (a missing migration, say) stays a defect;
 * - after `deadline` the caller gets `ServiceUnavailable` at once (`withDeadline`).
 *
 * @since 0.1.0
 * @category utils
 */
export const databaseCall = (deadline: Duration.DurationInput) => {
  const deadlineMillis = Duration.toMillis(deadline)
  const timedOut = () =>
    new ServiceUnavailable({ cause: new Error(`No answer from the database within ${Duration.format(deadline)}`) })
  return <A, E, R>(
    effect: Effect.Effect<A, E | SqlError.SqlError, R>
  ): Effect.Effect<A, Exclude<E, SqlError.SqlError> | ServiceUnavailable, R> =>
    effect.pipe(
      Effect.catchSomeDefect((defect) => (isSqlError(defect) ? Option.some(classify(defect)) : Option.none())),
      Effect.catchIf(isSqlError, classify),
      withDeadline(deadlineMillis, timedOut)
    )
}
