/**
 * The host-facing ports on PostgreSQL, for deployments that keep transfers and API tokens
 * in the same database: `TransferLookup` over `backfill_transfers`, `Authenticator` over
 * `backfill_tokens`. Tokens are stored and looked up by their SHA-256 only.
 */
import { SqlClient } from "@effect/sql"
import { type Duration, Effect, Layer, Option, Schema } from "effect"
import { Principal } from "../../domain/access.js"
import { CalendarDate } from "../../domain/calendarDate.js"
import { idFromPathParam, TeamId, TransferId } from "../../domain/ids.js"
import { TimeZone } from "../../domain/time.js"
import type { Transfer, TransferLimits } from "../../domain/transfer.js"
import { Authenticator } from "../../ports/authenticator.js"
import { TransferLookup } from "../../ports/transferLookup.js"
import { DEFAULT_DEADLINE, databaseCall } from "./failures.js"
import { quoteSchema } from "./migrations.js"

/**
 * Where the transfer and token tables are, and how long a lookup may take.
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryOptions {
  /** The schema `migrate` created the tables in. Default `public`. */
  readonly schema?: string | undefined
  /** How long one lookup may wait for the database before it fails with `ServiceUnavailable`. Default 5 seconds. */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * The SHA-256 of a token, in hex: tokens are stored and looked up by it only, so no
 * comparison ever runs over the token itself and a leaked table leaks no usable token.
 *
 * @since 0.1.0
 * @category utils
 */
export const tokenDigest = (token: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))
    return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")
  })

const TransferRow = Schema.Struct({
  id: idFromPathParam(TransferId),
  team_id: idFromPathParam(TeamId),
  time_zone: TimeZone,
  max_range_days: Schema.NullOr(Schema.Int.pipe(Schema.positive())),
  earliest_day: Schema.NullOr(CalendarDate),
  max_running_days: Schema.NullOr(Schema.Int.pipe(Schema.positive()))
})

/** A row's limits, the ones it has; none when it has none. */
const limitsOf = (row: typeof TransferRow.Type): Pick<Transfer, "limits"> => {
  const limits: TransferLimits = {
    ...(row.max_range_days === null ? {} : { maxRangeDays: row.max_range_days }),
    ...(row.earliest_day === null ? {} : { earliestDate: row.earliest_day }),
    ...(row.max_running_days === null ? {} : { maxRunningDays: row.max_running_days })
  }
  return Object.keys(limits).length === 0 ? {} : { limits }
}

const PrincipalRow = Schema.Struct({
  user_id: Schema.String,
  team_ids: Schema.Array(Schema.String),
  scopes: Schema.Array(Schema.String),
  permissions: Schema.Array(Schema.String)
})

const decodeTransferRow = Schema.decodeUnknownSync(TransferRow)
const decodePrincipalRow = Schema.decodeUnknownSync(PrincipalRow)
const decodePrincipal = Schema.decodeUnknownSync(Principal)

const tables = (options: DirectoryOptions) => {
  const schema = quoteSchema(options.schema ?? "public")
  return { transfers: `${schema}.backfill_transfers`, tokens: `${schema}.backfill_tokens` }
}

/**
 * A `TransferLookup` over the `backfill_transfers` table (created by `migrate`), for
 * deployments that keep their transfers in the same database; `saveTransfer` keeps it in
 * step with the host's own. A transfer is looked up by its id and team together.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { layerPostgresClient, layerPostgresTransferLookup } from "transfer-backfills/postgres"
 *
 * const transfers = layerPostgresTransferLookup({ schema: "transfer_backfills", deadline: "5 seconds" }).pipe(
 *   Layer.provide(layerPostgresClient({ url: "postgres://app@localhost:5432/app" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPostgresTransferLookup = (
  options: DirectoryOptions = {}
): Layer.Layer<TransferLookup, never, SqlClient.SqlClient> =>
  Layer.effect(
    TransferLookup,
    Effect.map(SqlClient.SqlClient, (sql) => {
      const table = sql.literal(tables(options).transfers)
      const unavailable = databaseCall(options.deadline ?? DEFAULT_DEADLINE)
      return {
        findTeamTransfer: ({ teamId }, transferId) =>
          unavailable(
            Effect.map(
              sql`
                SELECT id::text AS id, team_id::text AS team_id, time_zone, max_range_days,
                       to_char(earliest_day, 'YYYY-MM-DD') AS earliest_day, max_running_days
                FROM ${table}
                WHERE id = ${String(transferId)}::bigint AND team_id = ${String(teamId)}::bigint`,
              (rows) =>
                Option.map(Option.fromNullable(rows[0]), (row): Transfer => {
                  const decoded = decodeTransferRow(row)
                  return { id: decoded.id, teamId: decoded.team_id, timeZone: decoded.time_zone, ...limitsOf(decoded) }
                })
            )
          )
      }
    })
  )

/**
 * An `Authenticator` over the `backfill_tokens` table (created by `migrate`), for
 * deployments that keep their API tokens in the same database; `saveToken` issues them.
 * Tokens are looked up by their SHA-256 only, and expired ones are not accepted.
 *
 * @example
 * ```ts
 * import { Duration, Layer } from "effect"
 * import { withCachedAuthentication } from "transfer-backfills/memory"
 * import { layerPostgresAuthenticator, layerPostgresClient } from "transfer-backfills/postgres"
 *
 * const authenticator = withCachedAuthentication(layerPostgresAuthenticator({ schema: "transfer_backfills" }), {
 *   timeToLive: Duration.seconds(30),
 *   capacity: 10_000
 * }).pipe(Layer.provide(layerPostgresClient({ url: "postgres://app@localhost:5432/app" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPostgresAuthenticator = (
  options: DirectoryOptions = {}
): Layer.Layer<Authenticator, never, SqlClient.SqlClient> =>
  Layer.effect(
    Authenticator,
    Effect.map(SqlClient.SqlClient, (sql) => {
      const table = sql.literal(tables(options).tokens)
      const unavailable = databaseCall(options.deadline ?? DEFAULT_DEADLINE)
      return {
        authenticate: (token) =>
          Effect.flatMap(tokenDigest(token), (digest) =>
            unavailable(
              Effect.map(
                sql`
                  SELECT user_id::text AS user_id, team_ids::text[] AS team_ids, scopes, permissions
                  FROM ${table}
                  WHERE token_sha256 = decode(${digest}, 'hex') AND (expires_at IS NULL OR expires_at > now())`,
                (rows) =>
                  Option.map(Option.fromNullable(rows[0]), (row) => {
                    const decoded = decodePrincipalRow(row)
                    return decodePrincipal({
                      userId: BigInt(decoded.user_id),
                      teamIds: decoded.team_ids.map(BigInt),
                      scopes: decoded.scopes,
                      permissions: decoded.permissions
                    })
                  })
              )
            )
          )
      }
    })
  )

/**
 * Adds or replaces a transfer with its limits, so hosts can keep the table in step with
 * their own.
 *
 * @example
 * ```ts
 * import { TeamId, TimeZone, TransferId } from "transfer-backfills"
 * import { saveTransfer } from "transfer-backfills/postgres"
 *
 * const save = saveTransfer(
 *   { id: TransferId.make(456790n), teamId: TeamId.make(1n), timeZone: TimeZone.make("America/New_York") },
 *   { schema: "transfer_backfills" }
 * ) // needs a SqlClient, e.g. layerPostgresClient
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const saveTransfer = (transfer: Transfer, options: DirectoryOptions = {}) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql`
      INSERT INTO ${sql.literal(tables(options).transfers)}
        (id, team_id, time_zone, max_range_days, earliest_day, max_running_days)
      VALUES (
        ${String(transfer.id)}::bigint, ${String(transfer.teamId)}::bigint, ${transfer.timeZone},
        ${transfer.limits?.maxRangeDays ?? null}::integer, ${transfer.limits?.earliestDate ?? null}::date,
        ${transfer.limits?.maxRunningDays ?? null}::integer
      )
      ON CONFLICT (id) DO UPDATE SET team_id = EXCLUDED.team_id, time_zone = EXCLUDED.time_zone,
        max_range_days = EXCLUDED.max_range_days, earliest_day = EXCLUDED.earliest_day,
        max_running_days = EXCLUDED.max_running_days`
  )

/**
 * Issues a bearer token for `principal`, storing only its digest; it replaces what the
 * token granted before. With `expiresAtMillis`, the token is refused from then on.
 *
 * @example
 * ```ts
 * import { TeamId, UserId } from "transfer-backfills"
 * import { saveToken } from "transfer-backfills/postgres"
 *
 * const issue = saveToken(
 *   "a long random token",
 *   {
 *     userId: UserId.make(790n),
 *     teamIds: [TeamId.make(1n)],
 *     scopes: ["dwh_transfers_read"],
 *     permissions: ["dwh.transfer.view"]
 *   },
 *   { schema: "transfer_backfills", expiresAtMillis: Date.now() + 90 * 24 * 3600 * 1000 }
 * ) // needs a SqlClient, e.g. layerPostgresClient
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const saveToken = (
  token: string,
  principal: Principal,
  options: DirectoryOptions & { readonly expiresAtMillis?: number | undefined } = {}
) =>
  Effect.flatMap(
    Effect.zip(SqlClient.SqlClient, tokenDigest(token)),
    ([sql, digest]) =>
      sql`
      INSERT INTO ${sql.literal(tables(options).tokens)} (token_sha256, user_id, team_ids, scopes, permissions, expires_at)
      VALUES (
        decode(${digest}, 'hex'), ${String(principal.userId)}::bigint,
        ${`{${principal.teamIds.join(",")}}`}::bigint[],
        ${toTextArray(principal.scopes)}::text[], ${toTextArray(principal.permissions)}::text[],
        to_timestamp(${options.expiresAtMillis === undefined ? null : options.expiresAtMillis / 1000}::double precision)
      )
      ON CONFLICT (token_sha256) DO UPDATE SET
        user_id = EXCLUDED.user_id, team_ids = EXCLUDED.team_ids, scopes = EXCLUDED.scopes,
        permissions = EXCLUDED.permissions, expires_at = EXCLUDED.expires_at`
  )

/** A PostgreSQL array literal of text values, each quoted and escaped. */
const toTextArray = (values: ReadonlyArray<string>): string =>
  `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`
