/**
 * Idempotency keys on PostgreSQL: a keyed change runs in one transaction with its key.
 * The transaction first takes a transaction-scoped advisory lock named by the key, so a
 * second request with the key while the first is in its transaction is told so at once
 * (`IdempotencyKeyInFlight`) instead of waiting; the lock ends with the transaction, so a
 * request that dies leaves nothing held. Then the key's row answers (replay or
 * `IdempotencyKeyReused`) or the change runs and the row is written with its answer,
 * committed together.
 */
import type { SqlError } from "@effect/sql"
import { Effect } from "effect"
import type { WriteAccess } from "../../domain/access.js"
import type { Backfill } from "../../domain/backfill.js"
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  type IdempotencyRefused,
  type IdempotentRequest
} from "../../domain/idempotency.js"
import { markAnsweredFromKey } from "../../ports/keyReplay.js"
import { backfillFromRow, backfillToRow } from "./rows.js"
import type { BackfillTables } from "./tables.js"

/** Expired keys forgotten by each keyed change, so the table stays as small as the lifetime allows. */
const EXPIRED_PER_CHANGE = 100

/**
 * `keyed(access, idempotency, change)`: to be run inside a transaction. Without a key it
 * is `change`; with one, the change and its key as one step.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeKeyedChange = (tables: BackfillTables) => {
  const { sql } = tables
  const keys = sql.literal(`${tables.schema}.backfill_idempotency_keys`)

  return <E>(
    access: WriteAccess,
    idempotency: IdempotentRequest | undefined,
    change: Effect.Effect<Backfill, E | SqlError.SqlError>
  ): Effect.Effect<Backfill, E | IdempotencyRefused | SqlError.SqlError> => {
    if (idempotency === undefined) return change
    const teamId = String(access.teamId)
    const userId = String(access.principal.userId)
    const lockName = `${tables.schema}/${teamId}/${userId}/${idempotency.key}`
    return Effect.gen(function* () {
      const [lock] = yield* sql<{ readonly locked: boolean }>`
        SELECT pg_try_advisory_xact_lock(hashtextextended(${lockName}, 0)) AS locked`
      if (lock?.locked !== true) return yield* new IdempotencyKeyInFlight()
      const [stored] = yield* sql<{ readonly fingerprint: string; readonly response: unknown }>`
        SELECT fingerprint, response FROM ${keys}
        WHERE team_id = ${teamId}::bigint AND user_id = ${userId}::bigint AND key = ${idempotency.key}
          AND expires_at > ${idempotency.now}`
      if (stored !== undefined) {
        if (stored.fingerprint !== idempotency.fingerprint) return yield* new IdempotencyKeyReused()
        yield* markAnsweredFromKey
        return backfillFromRow(stored.response)
      }
      const backfill = yield* change
      yield* sql`
        INSERT INTO ${keys} (team_id, user_id, key, fingerprint, response, expires_at)
        VALUES (
          ${teamId}::bigint, ${userId}::bigint, ${idempotency.key}, ${idempotency.fingerprint},
          ${JSON.stringify(backfillToRow(backfill))}::jsonb, ${idempotency.expiresAt}
        )
        ON CONFLICT ON CONSTRAINT backfill_idempotency_keys_one_per_user DO UPDATE SET
          fingerprint = EXCLUDED.fingerprint, response = EXCLUDED.response, expires_at = EXCLUDED.expires_at`
      // Rows another transaction holds are left to a later change: waiting for them would
      // queue keyed changes behind each other, and two such waits can deadlock.
      yield* sql`
        DELETE FROM ${keys} WHERE ctid IN (
          SELECT ctid FROM ${keys} WHERE expires_at <= ${idempotency.now}
          LIMIT ${EXPIRED_PER_CHANGE} FOR UPDATE SKIP LOCKED
        )`
      return backfill
    })
  }
}
