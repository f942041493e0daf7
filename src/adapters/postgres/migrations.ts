/**
 * The database schema, as versioned migrations shipped in the package, and `migrate`,
 * which applies the missing ones. Safe to run from many processes at once: it takes a
 * transaction-scoped advisory lock, so one applies and the others find nothing to do.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect, Option } from "effect"
import { MIGRATIONS } from "./schemaVersions.js"

/** A schema name safe to write into SQL unquoted-equivalent form. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * A schema name quoted for SQL, after checking that it is a plain lowercase identifier (a
 * `RangeError` otherwise), so that it is safe to write into statements.
 *
 * @since 0.1.0
 * @category utils
 */
export const quoteSchema = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`Schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source}`)
  }
  return `"${schema}"`
}

/** One number for every process of every deployment: migrations of any schema queue behind it. */
const MIGRATION_LOCK = 7_356_201_938

/**
 * Which schema `migrate` brings up to date.
 *
 * @since 0.1.0
 * @category models
 */
export interface MigrateOptions {
  /** The schema the tables live in; created if missing. Default `public`. */
  readonly schema?: string | undefined
}

/**
 * Applies the migrations `schema` lacks, in version order, in one transaction. Returns the
 * versions it applied (none when the schema was up to date). Safe to run from many
 * processes at once: it takes a transaction-scoped advisory lock, so one applies and the
 * others find nothing to do. Run it once at start-up.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { layerPostgresClient, migrate } from "transfer-backfills/postgres"
 *
 * const startUp = migrate({ schema: "transfer_backfills" }).pipe(
 *   Effect.tap((applied) => Effect.log(`applied migrations: ${applied.join(", ") || "none"}`)),
 *   Effect.provide(layerPostgresClient({ url: "postgres://app@localhost:5432/app" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrate = (
  options: MigrateOptions = {}
): Effect.Effect<ReadonlyArray<number>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const schema = quoteSchema(options.schema ?? "public")
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
        yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
        yield* sql.unsafe(
          `CREATE TABLE IF NOT EXISTS ${schema}.backfill_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
          )`
        )
        const applied = new Set(
          (yield* sql.unsafe<{ version: number }>(`SELECT version FROM ${schema}.backfill_migrations`)).map(
            (row) => row.version
          )
        )
        const missing = MIGRATIONS.filter((migration) => !applied.has(migration.version))
        for (const migration of missing) {
          for (const statement of migration.statements) yield* sql.unsafe(statement.replaceAll("{schema}", schema))
          yield* sql.unsafe(`INSERT INTO ${schema}.backfill_migrations (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name
          ])
        }
        return missing.map((migration) => migration.version)
      })
    )
  })

/**
 * The version the library's migrations bring a schema to: what `schemaVersion` reads once
 * `migrate` has run.
 *
 * @since 0.3.0
 * @category migrations
 */
export const LATEST_SCHEMA_VERSION: number = Math.max(...MIGRATIONS.map((migration) => migration.version))

/**
 * The highest migration applied to `schema`, or `None` before the first: for a readiness
 * probe that a process serves only a schema at `LATEST_SCHEMA_VERSION`.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { LATEST_SCHEMA_VERSION, schemaVersion } from "transfer-backfills/postgres"
 *
 * const migrated = Effect.map(schemaVersion({ schema: "transfer_backfills" }), Option.contains(LATEST_SCHEMA_VERSION))
 * ```
 *
 * @since 0.3.0
 * @category migrations
 */
export const schemaVersion = (
  options: MigrateOptions = {}
): Effect.Effect<Option.Option<number>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const schema = quoteSchema(options.schema ?? "public")
    const [table] = yield* sql<{ readonly found: boolean }>`
      SELECT to_regclass(${`${schema}.backfill_migrations`}) IS NOT NULL AS found`
    if (table?.found !== true) return Option.none()
    const [row] = yield* sql.unsafe<{ readonly version: number | null }>(
      `SELECT max(version) AS version FROM ${schema}.backfill_migrations`
    )
    return Option.fromNullable(row?.version)
  })
