/**
 * The reference host's readiness: whether a load balancer should send it requests. Ready
 * when its database answers within the deadline, its schema is at the version this build
 * migrates to, and, where a worker runs, the worker's last successful step is recent.
 * Each check says what failed, for the operator reading `/readyz`.
 */
import type { SqlClient } from "@effect/sql"
import { Cause, Clock, Duration, Effect, Option, Ref } from "effect"
import { LATEST_SCHEMA_VERSION, schemaVersion } from "../adapters/postgres/migrations.js"
import { epochSecondsFromMillis, formatEpochSeconds } from "../domain/time.js"
import type { WorkerHealth } from "../operations/worker.js"

/** What `/readyz` answers, check by check. */
export interface Readiness {
  readonly ready: boolean
  readonly checks: {
    readonly database: { readonly ok: boolean; readonly error?: string }
    readonly migrations: { readonly ok: boolean; readonly expected: number; readonly applied: number | null }
    readonly worker?: {
      readonly ok: boolean
      readonly last_success_time: string | null
      readonly max_age_seconds: number
    }
  }
}

/** How the checks are made: the database's schema and deadline, and the worker's health if one runs. */
export interface ReadinessOptions {
  readonly schema: string
  readonly deadline: Duration.Duration
  readonly workerHealth: Option.Option<Ref.Ref<WorkerHealth>>
  /** A worker whose last successful step is older than this is not ready (`READY_WORKER_MAX_AGE_MS`). */
  readonly workerMaxAge: Duration.Duration
}

const describe = (error: unknown, deadline: Duration.Duration): string =>
  Cause.isTimeoutException(error)
    ? `no answer within ${Duration.format(deadline)}`
    : error instanceof Error
      ? error.message
      : String(error)

/**
 * The schema's version, read within the deadline: its answer is also the database's, so
 * the probe makes one round trip and never waits longer than the deadline.
 */
const checkDatabase = (options: ReadinessOptions) =>
  Effect.map(
    // Disconnected: a query stuck on a frozen connection must not hold the probe past its deadline.
    Effect.either(Effect.timeout(Effect.disconnect(schemaVersion({ schema: options.schema })), options.deadline)),
    (version) => {
      if (version._tag === "Left") {
        return {
          database: { ok: false, error: describe(version.left, options.deadline) },
          migrations: { ok: false, expected: LATEST_SCHEMA_VERSION, applied: null }
        }
      }
      const applied = Option.getOrNull(version.right)
      return {
        database: { ok: true },
        migrations: { ok: applied === LATEST_SCHEMA_VERSION, expected: LATEST_SCHEMA_VERSION, applied }
      }
    }
  )

const checkWorker = (health: Ref.Ref<WorkerHealth>, maxAge: Duration.Duration) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const { running, lastSuccessMillis } = yield* Ref.get(health)
    const recent = Option.exists(lastSuccessMillis, (last) => now - last <= Duration.toMillis(maxAge))
    return {
      ok: running && recent,
      last_success_time: Option.getOrNull(
        Option.map(lastSuccessMillis, (millis) => formatEpochSeconds(epochSecondsFromMillis(millis)))
      ),
      max_age_seconds: Duration.toSeconds(maxAge)
    }
  })

/** Every check, made now. */
export const checkReadiness = (options: ReadinessOptions): Effect.Effect<Readiness, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const database = yield* checkDatabase(options)
    const worker = yield* Effect.transposeMapOption(options.workerHealth, (health) =>
      checkWorker(health, options.workerMaxAge)
    )
    const checks = Option.match(worker, {
      onNone: () => database,
      onSome: (state) => ({ ...database, worker: state })
    })
    return {
      ready:
        database.database.ok &&
        database.migrations.ok &&
        Option.match(worker, { onNone: () => true, onSome: (state) => state.ok }),
      checks
    }
  })
