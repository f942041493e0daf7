/**
 * The database the PostgreSQL tests run against: the server in `DATABASE_URL` when set
 * (CI sets it), otherwise an embedded PGlite served over the wire protocol on a loopback
 * port, so that the very same `@effect/sql-pg` client and adapter code run either way.
 * Every test gets a schema of its own, dropped afterwards.
 */

import { SqlClient } from "@effect/sql"
import { PGlite } from "@electric-sql/pglite"
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { type Context, Duration, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { layerPostgresClient } from "../../src/adapters/postgres/client.js"
import { migrate } from "../../src/adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import type { BackfillOutbox } from "../../src/ports/backfillOutbox.js"
import type { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import type { BackfillStatistics } from "../../src/ports/backfillStatistics.js"

export interface TestDatabase {
  /** `server` is a real PostgreSQL; `pglite` serves one connection at a time. */
  readonly kind: "server" | "pglite"
  readonly url: string
  readonly client: Context.Context<SqlClient.SqlClient>
  readonly close: () => Promise<void>
}

/**
 * The adapters' own client, so every PostgreSQL test runs on named statements; its
 * deadline is long enough for seeding a busy database on a loaded machine.
 */
const clientLayer = (url: string, maxConnections: number) =>
  layerPostgresClient({ url, maxConnections, deadline: Duration.minutes(10) })

const buildClient = async (url: string, maxConnections: number) => {
  const scope = Effect.runSync(Scope.make())
  const client = await Effect.runPromise(Layer.buildWithScope(clientLayer(url, maxConnections), scope))
  return { client, release: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * Session settings that change how PostgreSQL writes values out as text: dates in German
 * order, times in a zone 12:45 ahead of UTC with daylight saving, intervals in SQL
 * standard style, floats with their shortest digits cut. Reads must not notice them.
 */
export const UNUSUAL_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  DateStyle: "German, DMY",
  TimeZone: "Pacific/Chatham",
  IntervalStyle: "sql_standard",
  extra_float_digits: "-15"
}

/** `url` whose sessions start with `settings` (the `options` startup parameter). */
export const withSessionSettings = (url: string, settings: Readonly<Record<string, string>>) => {
  const parsed = new URL(url)
  parsed.searchParams.set(
    "options",
    Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value.replaceAll(" ", "\\ ")}`)
      .join(" ")
  )
  return parsed.toString()
}

/**
 * The test database without a client of the test's own, for code that opens its own pool:
 * the server, or PGlite (which serves one connection at a time). `close` drops nothing on
 * the server: use a schema of your own.
 */
export const openTestServer = async (): Promise<Omit<TestDatabase, "client">> => {
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl !== undefined && serverUrl !== "") return { kind: "server", url: serverUrl, close: async () => {} }
  const db = await PGlite.create({ extensions: { btree_gist } })
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" })
  await server.start()
  return {
    kind: "pglite",
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    close: async () => {
      await server.stop()
      await db.close()
    }
  }
}

/**
 * The test database; with `sessionSettings`, every session of its client starts with
 * them (PGlite's one session is set once, before the client connects).
 */
export const openTestDatabase = async (
  options: { readonly sessionSettings?: Readonly<Record<string, string>> } = {}
): Promise<TestDatabase> => {
  const settings = options.sessionSettings ?? {}
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl !== undefined && serverUrl !== "") {
    const url = Object.keys(settings).length === 0 ? serverUrl : withSessionSettings(serverUrl, settings)
    const { client, release } = await buildClient(url, 16)
    return { kind: "server", url, client, close: release }
  }
  const db = await PGlite.create({ extensions: { btree_gist } })
  for (const [name, value] of Object.entries(settings))
    await db.query("SELECT set_config($1, $2, false)", [name, value])
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" })
  await server.start()
  const url = `postgres://postgres@${server.getServerConn()}/postgres`
  const { client, release } = await buildClient(url, 1)
  return {
    kind: "pglite",
    url,
    client,
    close: async () => {
      await release()
      await server.stop()
      await db.close()
    }
  }
}

let schemas = 0

/** A name no other test run uses at the same time. */
export const uniqueSchemaName = () => {
  schemas += 1
  return `tb_${process.pid}_${Date.now().toString(36)}_${schemas}`
}

/** A migrated schema of its own for the scope, dropped when the scope closes. */
export const freshSchema = Effect.acquireRelease(
  Effect.gen(function* () {
    const schema = uniqueSchemaName()
    yield* migrate({ schema })
    return schema
  }),
  (schema) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.orDie(sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)))
)

/**
 * The repository's ports and its SQL client on the server at `url`, in `schema`, migrated,
 * for tests that share the schema with another connection or process; `close` drops it.
 */
export const openServerRepository = async (url: string, schema: string) => {
  const client = layerPostgresClient({ url, maxConnections: 4 })
  const runtime = ManagedRuntime.make(Layer.provideMerge(layerPostgresBackfillRepository({ schema }), client))
  await runtime.runPromise(migrate({ schema }))
  return {
    runtime,
    close: async () => {
      await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`))
      )
      await runtime.dispose()
    }
  }
}

/**
 * How long a port call of these tests may wait: 60 concurrent inserts on one transfer
 * queue on its exclusion constraint and the shared client's connections, which on a
 * loaded machine outlasts the 5 s default. The deadline's own tests set theirs.
 */
const LOADED_MACHINE_DEADLINE = Duration.seconds(30)

/** A fresh, empty PostgreSQL repository per build, on the shared client. */
export const freshRepository = (
  database: TestDatabase,
  options: { readonly optimisticAttempts?: number } = {}
): Layer.Layer<BackfillRepository | WorkerRepository | BackfillStatistics | BackfillOutbox> =>
  Layer.unwrapScoped(
    Effect.map(freshSchema, (schema) =>
      layerPostgresBackfillRepository({ ...options, schema, deadline: LOADED_MACHINE_DEADLINE })
    )
  ).pipe(Layer.provide(Layer.succeedContext(database.client)), Layer.orDie)

/**
 * Backfills whose counters disagree with their runs, or that are not final with every
 * day reported: none, once workers have finished every backfill of `schema`.
 */
export const unfinishedOrMiscounted = (schema: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<{ readonly id: string }>(`
      SELECT b.id::text AS id
      FROM "${schema}".backfills b
      LEFT JOIN LATERAL (
        SELECT count(*) AS created,
               count(*) FILTER (WHERE r.state = 'completed') AS completed,
               count(*) FILTER (WHERE r.state = 'failed') AS failed
        FROM "${schema}".backfill_runs r WHERE r.backfill_id = b.id
      ) r ON true
      WHERE b.runs_created <> r.created OR b.runs_completed <> r.completed OR b.runs_failed <> r.failed
         OR r.created <> b.runs_total OR r.completed + r.failed <> b.runs_total
         OR b.status NOT IN ('COMPLETED', 'FAILED')
         OR (b.status = 'FAILED') <> (b.runs_failed > 0)
         OR b.end_time IS NULL`)
  )

/**
 * Running days still counted for a team or a transfer, and leases still held: none once
 * every worker of `schema` has finished and stopped, however its steps were cut.
 */
export const heldOrCounted = (schema: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<{ readonly what: string }>(`
      SELECT 'team ' || team_id AS what FROM "${schema}".backfill_team_load WHERE running <> 0
      UNION ALL SELECT 'transfer ' || transfer_id FROM "${schema}".backfill_transfer_load WHERE running <> 0
      UNION ALL SELECT 'lease of ' || id FROM "${schema}".backfills WHERE lease_worker IS NOT NULL`)
  )
