/**
 * The worker's hot steps on PostgreSQL without an explicit transaction: each reads the
 * backfill from one snapshot, lets the domain decide, and writes in one statement only if
 * the backfill's version is still the one read. Two round trips instead of a transaction's
 * five to seven; the rare race is decided again, and settled under the row lock after
 * enough of them, so a hot backfill cannot starve its worker.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import { Effect, Option } from "effect"

/**
 * Runs `attempt` (read, decide, write if unchanged: `Option.none()` when the write found
 * the backfill changed) up to `attempts` times, then `underLock` in a transaction, which
 * always settles.
 *
 * @since 0.3.0
 * @category utils
 */
export const decidedOnSnapshot = <A, E>(
  sql: SqlClient.SqlClient,
  attempts: number,
  attempt: Effect.Effect<Option.Option<A>, E | SqlError.SqlError>,
  underLock: Effect.Effect<A, E | SqlError.SqlError>
): Effect.Effect<A, E | SqlError.SqlError> => {
  const tryAgain = (attemptsLeft: number): Effect.Effect<A, E | SqlError.SqlError> =>
    Effect.flatMap(
      attempt,
      Option.match({
        onSome: Effect.succeed,
        onNone: () => (attemptsLeft > 1 ? tryAgain(attemptsLeft - 1) : sql.withTransaction(underLock))
      })
    )
  return tryAgain(attempts)
}
