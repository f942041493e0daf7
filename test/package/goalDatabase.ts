/**
 * A database of its own for the goal hosts, on the PostgreSQL server in `DATABASE_URL`:
 * created empty, migrated, holding team 1's transfer 456789, and dropped afterwards.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { saveTransfer } from "../../src/adapters/postgres/directory.js"
import { migrate } from "../../src/adapters/postgres/migrations.js"
import { TeamId, TransferId } from "../../src/domain/ids.js"
import { UTC } from "../../src/domain/time.js"

const onServer = <A>(url: string, effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) =>
  Effect.runPromise(effect.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))))

export interface GoalDatabase {
  readonly url: string
  readonly drop: () => Promise<void>
}

export const createGoalDatabase = async (serverUrl: string, migrated: boolean): Promise<GoalDatabase> => {
  const name = `goals_${process.pid}_${Math.floor(performance.now())}`
  await onServer(
    serverUrl,
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  )
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  if (migrated) {
    await onServer(
      url.toString(),
      Effect.zipRight(migrate(), saveTransfer({ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }))
    )
  }
  return {
    url: url.toString(),
    drop: () =>
      onServer(
        serverUrl,
        Effect.asVoid(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
        )
      )
  }
}

/** Runs `effect` on the goal database. */
export const onGoalDatabase = <A>(database: GoalDatabase, effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) =>
  onServer(database.url, effect)
