/**
 * The database schema, as versioned migrations shipped in the package, and `migrate`,
 * which applies the missing ones. Safe to run from many processes at once: it takes a
 * transaction-scoped advisory lock, so one applies and the others find nothing to do.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"

/**
 * One version of the database schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface Migration {
  readonly version: number
  readonly name: string
  /** Statements to run in order, in the target schema (`{schema}` is replaced by it). */
  readonly statements: ReadonlyArray<string>
}

const ACTIVE = "('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED')"

/**
 * The database schema, as versioned migrations shipped in the package, in version order.
 * `migrate` applies the ones a schema lacks.
 *
 * @since 0.1.0
 * @category migrations
 */
export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "backfills and their runs",
    statements: [
      // The overlap rule needs `=` on bigint inside a GiST index.
      "CREATE EXTENSION IF NOT EXISTS btree_gist",
      `CREATE TABLE {schema}.backfills (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        team_id bigint NOT NULL CHECK (team_id > 0),
        transfer_id bigint NOT NULL CHECK (transfer_id > 0),
        range_start date NOT NULL,
        range_end date NOT NULL,
        created_time timestamptz NOT NULL,
        created_user_id bigint NOT NULL CHECK (created_user_id > 0),
        removed_time timestamptz,
        removed_user_id bigint CHECK (removed_user_id > 0),
        start_time timestamptz,
        end_time timestamptz,
        status text NOT NULL
          CHECK (status IN ('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELLED')),
        runs_total integer NOT NULL,
        runs_created integer NOT NULL DEFAULT 0,
        runs_completed integer NOT NULL DEFAULT 0,
        runs_failed integer NOT NULL DEFAULT 0,
        lease_worker text,
        lease_fence integer NOT NULL DEFAULT 0,
        lease_expires_at_ms bigint,
        CONSTRAINT backfills_range_ordered CHECK (range_start <= range_end),
        CONSTRAINT backfills_total_is_days CHECK (runs_total = range_end - range_start + 1),
        CONSTRAINT backfills_counters_bounded CHECK (
          runs_completed >= 0 AND runs_failed >= 0
          AND runs_completed + runs_failed <= runs_created AND runs_created <= runs_total
        ),
        CONSTRAINT backfills_removal_paired CHECK ((removed_time IS NULL) = (removed_user_id IS NULL)),
        CONSTRAINT backfills_active_ranges_disjoint EXCLUDE USING gist (
          transfer_id WITH =,
          daterange(range_start, range_end, '[]') WITH &&
        ) WHERE (status IN ${ACTIVE})
      )`,
      "CREATE INDEX backfills_team_newest ON {schema}.backfills (team_id, id DESC)",
      "CREATE INDEX backfills_transfer_newest ON {schema}.backfills (transfer_id, id DESC)",
      "CREATE INDEX backfills_with_work ON {schema}.backfills (id) WHERE status IN ('CREATED', 'SCHEDULED', 'RUNNING')",
      `CREATE TABLE {schema}.backfill_runs (
        backfill_id bigint NOT NULL REFERENCES {schema}.backfills (id) ON DELETE CASCADE,
        day date NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'failed', 'dropped')),
        error text CHECK (char_length(error) <= 1000),
        CONSTRAINT backfill_runs_one_per_day PRIMARY KEY (backfill_id, day),
        CONSTRAINT backfill_runs_error_when_failed CHECK ((state = 'failed') = (error IS NOT NULL))
      )`
    ]
  },
  {
    version: 2,
    name: "transfers and bearer tokens",
    statements: [
      `CREATE TABLE {schema}.backfill_transfers (
        id bigint PRIMARY KEY CHECK (id > 0),
        team_id bigint NOT NULL CHECK (team_id > 0),
        time_zone text NOT NULL DEFAULT 'UTC'
      )`,
      // Only a token's SHA-256 is stored: a leaked table leaks no usable token.
      `CREATE TABLE {schema}.backfill_tokens (
        token_sha256 bytea PRIMARY KEY CHECK (octet_length(token_sha256) = 32),
        user_id bigint NOT NULL CHECK (user_id > 0),
        team_ids bigint[] NOT NULL,
        scopes text[] NOT NULL,
        permissions text[] NOT NULL,
        expires_at timestamptz
      )`
    ]
  },
  {
    version: 3,
    name: "versions for optimistic outcomes, and an index of failed runs",
    statements: [
      // Grows with every change of a backfill or its runs, so that a write decided on a
      // snapshot can tell that nothing changed since.
      "ALTER TABLE {schema}.backfills ADD COLUMN version bigint NOT NULL DEFAULT 0",
      // The error report is read from the failed runs on every read of a backfill.
      "CREATE INDEX backfill_runs_failed ON {schema}.backfill_runs (backfill_id, day) WHERE state = 'failed'"
    ]
  },
  {
    version: 4,
    name: "an index of leases by worker",
    statements: [
      // A claim first looks for a lease the claiming worker left behind, on every poll.
      "CREATE INDEX backfills_leased_by ON {schema}.backfills (lease_worker) WHERE lease_worker IS NOT NULL"
    ]
  },
  {
    version: 5,
    name: "a ledger of runs, and idempotency keys",
    statements: [
      // Runs that existed before have had one attempt as far as anyone can tell.
      `ALTER TABLE {schema}.backfill_runs
        ADD COLUMN attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        ADD COLUMN started_time timestamptz,
        ADD COLUMN ended_time timestamptz`,
      // A key answers for one user in one team; its answer is the backfill as first returned.
      `CREATE TABLE {schema}.backfill_idempotency_keys (
        team_id bigint NOT NULL CHECK (team_id > 0),
        user_id bigint NOT NULL CHECK (user_id > 0),
        key text NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
        fingerprint text NOT NULL,
        response jsonb NOT NULL,
        expires_at bigint NOT NULL,
        CONSTRAINT backfill_idempotency_keys_one_per_user PRIMARY KEY (team_id, user_id, key)
      )`,
      "CREATE INDEX backfill_idempotency_keys_expiry ON {schema}.backfill_idempotency_keys (expires_at)"
    ]
  }
]

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
