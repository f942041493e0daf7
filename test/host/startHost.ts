/**
 * Starts the reference host for a test file on a free loopback port, on the server in
 * `DATABASE_URL` (in a schema of its own) or on an embedded database.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Scope } from "effect"
import { DEFAULT_PREPARED_STATEMENTS } from "../../src/adapters/postgres/namedStatements.js"
import { DEFAULT_CONNECTION_LIMITS } from "../../src/host/config.js"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { AdminServer, type HostConfig, HostServer, layerHost } from "../../src/host/host.js"
import { DEFAULT_OPERABILITY } from "../../src/host/operabilityConfig.js"
import type { HostServices } from "../../src/host/routes.js"
import { uniqueSchemaName } from "../support/database.js"

export interface RunningHost {
  readonly url: string
  /** Where the admin port (`/metrics`, `/healthz`, `/readyz`) listens. */
  readonly adminUrl: string
  readonly stop: () => Promise<void>
}

export const startHost = async <Replaced extends HostServices = never>(
  options: Partial<HostConfig> & {
    readonly overrides?: Layer.Layer<Replaced>
    /** Receives what the host logs, instead of the console, from `minimumLogLevel` (default Info) up. */
    readonly logger?: Logger.Logger<unknown, void>
    readonly minimumLogLevel?: LogLevel.LogLevel
    /** Whether `stop` drops the host's schema; by default when the host ran on a server. */
    readonly dropSchema?: boolean
  } = {}
): Promise<RunningHost> => {
  const schema = uniqueSchemaName()
  const config: HostConfig = {
    port: 0,
    databaseUrl: Option.fromNullable(process.env.DATABASE_URL).pipe(Option.filter((url) => url !== "")),
    embeddedSnapshot: Option.none(),
    schema,
    databasePoolSize: 16,
    databasePreparedStatements: DEFAULT_PREPARED_STATEMENTS,
    databaseDeadline: Duration.seconds(5),
    rateLimitPerHour: 5000,
    rateLimitStore: { _tag: "Memory" },
    connections: DEFAULT_CONNECTION_LIMITS,
    cursorSecret: "e2e-secret",
    corsAllowOrigin: "*",
    logLevel: LogLevel.Info,
    worker: Option.some({ dayDuration: Duration.millis(2), failureRate: 0 }),
    operability: { ...DEFAULT_OPERABILITY, adminPort: 0 },
    events: DEFAULT_EVENTS,
    ...options
  }
  const scope = Effect.runSync(Scope.make())
  const layer = layerHost(config, options.overrides)
  const logged =
    options.logger === undefined
      ? layer
      : Layer.provide(
          layer,
          Layer.merge(
            Logger.replace(Logger.defaultLogger, options.logger),
            Logger.minimumLogLevel(options.minimumLogLevel ?? LogLevel.Info)
          )
        )
  const context = await Effect.runPromise(Layer.buildWithScope(logged, scope))
  const server = Layer.succeedContext(context)
  const [{ url }, admin] = await Effect.runPromise(Effect.provide(Effect.all([HostServer, AdminServer]), server))
  return {
    url,
    adminUrl: admin.url,
    stop: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      // A server database keeps the test's schema otherwise.
      if (Option.isSome(config.databaseUrl) && options.dropSchema !== false) {
        await Effect.runPromise(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).pipe(
            Effect.provide(PgClient.layer({ url: Redacted.make(config.databaseUrl.value), maxConnections: 1 })),
            Effect.orDie
          )
        )
      }
    }
  }
}
