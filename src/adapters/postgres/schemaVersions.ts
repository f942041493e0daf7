/**
 * The database schema, version by version, as shipped in the package: what `migrate`
 * applies.
 */

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
  },
  {
    version: 6,
    name: "fair claims: turns, running days per team and transfer, processing order, transfer limits",
    statements: [
      `ALTER TABLE {schema}.backfills
        ADD COLUMN processing_order text NOT NULL DEFAULT 'newest_first'
          CHECK (processing_order IN ('newest_first', 'oldest_first')),
        ADD COLUMN transfer_max_running_days integer CHECK (transfer_max_running_days > 0),
        ADD COLUMN served_at_ms bigint`,
      // A lease holds one running day of its team and transfer until it is released (or,
      // expired on a backfill without work, swept): the claim reads and bumps these rows.
      `CREATE TABLE {schema}.backfill_team_load (
        team_id bigint PRIMARY KEY,
        running integer NOT NULL DEFAULT 0,
        served_at_ms bigint
      )`,
      `CREATE TABLE {schema}.backfill_transfer_load (
        transfer_id bigint PRIMARY KEY,
        running integer NOT NULL DEFAULT 0
      )`,
      `INSERT INTO {schema}.backfill_team_load (team_id, running)
        SELECT team_id, count(*) FILTER (WHERE lease_worker IS NOT NULL) FROM {schema}.backfills GROUP BY team_id`,
      `INSERT INTO {schema}.backfill_transfer_load (transfer_id, running)
        SELECT transfer_id, count(*) FILTER (WHERE lease_worker IS NOT NULL) FROM {schema}.backfills
        GROUP BY transfer_id`,
      // Within a team, the backfill served least recently goes first.
      `CREATE INDEX backfills_claim_order ON {schema}.backfills (team_id, served_at_ms NULLS FIRST, id)
        WHERE status IN ('CREATED', 'SCHEDULED', 'RUNNING')`,
      `ALTER TABLE {schema}.backfill_transfers
        ADD COLUMN max_range_days integer CHECK (max_range_days > 0),
        ADD COLUMN earliest_day date,
        ADD COLUMN max_running_days integer CHECK (max_running_days > 0)`
    ]
  },
  {
    version: 7,
    name: "an outbox of events, numbered per backfill, and the relays' holds",
    statements: [
      // The last sequence number given out: bumped by the statement that saves a change.
      "ALTER TABLE {schema}.backfills ADD COLUMN event_sequence integer NOT NULL DEFAULT 0",
      `CREATE TABLE {schema}.backfill_events (
        backfill_id bigint NOT NULL REFERENCES {schema}.backfills (id),
        sequence integer NOT NULL CHECK (sequence > 0),
        position bigint GENERATED ALWAYS AS IDENTITY,
        team_id bigint NOT NULL,
        transfer_id bigint NOT NULL,
        type text NOT NULL,
        occurred_time bigint NOT NULL,
        details jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead_letter')),
        failed_attempts integer NOT NULL DEFAULT 0,
        due_at_ms bigint NOT NULL DEFAULT 0,
        last_error text,
        delivered_at_ms bigint,
        CONSTRAINT backfill_events_numbered PRIMARY KEY (backfill_id, sequence)
      )`,
      // The relays' work lists stay as small as the backlog: each backfill's oldest pending
      // event, and every pending event in the order relays take them.
      `CREATE INDEX backfill_events_pending ON {schema}.backfill_events (backfill_id, sequence)
        WHERE state = 'pending'`,
      "CREATE INDEX backfill_events_pending_order ON {schema}.backfill_events (position) WHERE state = 'pending'",
      `CREATE TABLE {schema}.backfill_event_holds (
        backfill_id bigint PRIMARY KEY,
        relay_id text NOT NULL,
        held_until_ms bigint NOT NULL
      )`
    ]
  },
  {
    version: 8,
    name: "events without a foreign key to their backfill; a transfer's active backfills indexed",
    statements: [
      // Each event is inserted from the backfill row its own statement saved, and backfills are
      // never deleted, so the key guarded nothing; its check locked that row again, in a
      // second mode, making a multixact on every change.
      "ALTER TABLE {schema}.backfill_events DROP CONSTRAINT IF EXISTS backfill_events_backfill_id_fkey",
      // A preview, and an insert naming its conflict, read a transfer's active backfills only:
      // without this they read every backfill the transfer ever had, page by page.
      `CREATE INDEX IF NOT EXISTS backfills_active_by_transfer ON {schema}.backfills (transfer_id, range_start)
        WHERE status IN ${ACTIVE}`
    ]
  }
]
