/**
 * One PostgreSQL pool for a Promise host: its ports as a layer over the pool, and the
 * schema's upkeep (migrations, transfers, tokens) as Promises.
 */
import { Duration, Effect, Exit, Layer, Schema, Scope } from "effect"
import { layerPostgresClient } from "../../adapters/postgres/client.js"
import {
  layerPostgresAuthenticator,
  layerPostgresTransferLookup,
  saveToken,
  saveTransfer
} from "../../adapters/postgres/directory.js"
import { migrate } from "../../adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../../adapters/postgres/repository.js"
import { type PlainPrincipal, type PlainTransfer, PrincipalFromPlain, TransferFromPlain } from "../plainPorts.js"

/**
 * Where the database is and how the pool behaves.
 *
 * @since 0.2.0
 * @category models
 */
export interface PostgresConnectionOptions {
  /** `postgres://user@host:port/database`. */
  readonly url: string
  /** The schema the tables live in (`migrate` creates it). Default `public`. */
  readonly schema?: string | undefined
  /** Connections at most. Default 10. */
  readonly maxConnections?: number | undefined
  /** How long one call may wait for the database before its request gets a 503. Default 5,000. */
  readonly deadlineMillis?: number | undefined
  /**
   * Distinct statements one connection prepares, the rest sent unnamed. Default 256; 0
   * behind a pooler in transaction mode that does not carry prepared statements.
   */
  readonly preparedStatements?: number | undefined
}

/**
 * An open pool: its ports, and the schema's upkeep.
 *
 * @since 0.2.0
 * @category models
 */
export interface PromisePostgres {
  /**
   * Every port on this pool (tokens, transfers, backfills, the workers' side): pass it as
   * `layer` to `createPromiseApi`, `toNodeHandler`, `toWebHandler` or `createPromiseWorker`,
   * beside functions for the ports you keep elsewhere (`authenticate`, say). Disposing
   * those leaves the pool open; `close` closes it.
   */
  readonly layer: Layer.Layer<never, unknown>
  /** Applies the migrations the schema lacks (safe from many processes at once); the versions applied. */
  readonly migrate: () => Promise<ReadonlyArray<number>>
  /** Adds a transfer to the transfers table, or updates it. */
  readonly saveTransfer: (transfer: PlainTransfer) => Promise<void>
  /** Keeps a bearer token (as its SHA-256 only) for the principal, until `expiresAtMillis` if given. */
  readonly saveToken: (token: string, principal: PlainPrincipal, expiresAtMillis?: number) => Promise<void>
  /** Closes the pool. */
  readonly close: () => Promise<void>
}

/**
 * Opens a pool on the database (rejecting when it cannot connect) and answers its ports
 * and upkeep.
 *
 * @example
 * ```ts
 * import { connectPostgres } from "transfer-backfills/promise/postgres"
 *
 * const db = await connectPostgres({ url: process.env.DATABASE_URL ?? "", schema: "backfills" })
 * await db.migrate()
 * await db.saveTransfer({ id: "456789", teamId: "1", timeZone: "Europe/Berlin" })
 * await db.close()
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const connectPostgres = async (options: PostgresConnectionOptions): Promise<PromisePostgres> => {
  const deadline = Duration.millis(options.deadlineMillis ?? 5_000)
  const scope = Effect.runSync(Scope.make())
  const client = await Effect.runPromise(
    Layer.buildWithScope(
      layerPostgresClient({
        url: options.url,
        maxConnections: options.maxConnections,
        deadline,
        preparedStatements: options.preparedStatements
      }),
      scope
    )
  ).catch(async (cause: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw cause
  })
  const pool = Layer.succeedContext(client)
  const onPool = <A>(effect: Effect.Effect<A, unknown, Layer.Layer.Success<typeof pool>>) =>
    Effect.runPromise(Effect.provide(effect, pool))
  const tables = { schema: options.schema, deadline }
  return {
    layer: Layer.mergeAll(
      layerPostgresBackfillRepository(tables),
      layerPostgresTransferLookup(tables),
      layerPostgresAuthenticator(tables)
    ).pipe(Layer.provide(pool)),
    migrate: () => onPool(migrate({ schema: options.schema })),
    saveTransfer: (transfer) =>
      onPool(
        Effect.flatMap(Schema.decodeUnknown(TransferFromPlain)(transfer), (decoded) =>
          Effect.asVoid(saveTransfer(decoded, tables))
        )
      ),
    saveToken: (token, principal, expiresAtMillis) =>
      onPool(
        Effect.flatMap(Schema.decodeUnknown(PrincipalFromPlain)(principal), (decoded) =>
          Effect.asVoid(saveToken(token, decoded, { ...tables, expiresAtMillis }))
        )
      ),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
