/**
 * The reference host's settings: what it runs on, how it limits its callers and its
 * connections, and the worker it runs. Read from the environment by `hostConfigFromEnv`,
 * with the defaults the README and docs/hosting.md list; a setting the host cannot
 * honour stops it at start with a message naming the variable.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Config, ConfigError, Duration, Either, LogLevel, Option } from "effect"
import { DEFAULT_PREPARED_STATEMENTS } from "../adapters/postgres/namedStatements.js"
import { MIGRATIONS } from "../adapters/postgres/schemaVersions.js"
import { DEFAULT_DAYS_PER_TURN } from "../domain/turns.js"
import { MAX_REQUEST_HEADERS } from "../http/headerLimit.js"
import { atLeast, millis } from "./configValues.js"
import { DEMO_TOKENS, DEMO_TRANSFERS } from "./demo.js"
import { type EventsConfig, eventsFromEnv } from "./eventsConfig.js"
import { LOG_LEVEL_NAMES, logLevelNamed } from "./logging.js"
import { type OperabilityConfig, operabilityFromEnv } from "./operabilityConfig.js"
import { isRepresentableLimit, type RateLimitStore } from "./rateLimiter.js"
import type { SimulatedWorkerOptions } from "./simulatedWorker.js"

/** How the host's HTTP server treats connections: what a client may hold, and for how long. */
export interface ConnectionLimits {
  /** A request's headers must have arrived this long after its connection opened (or its previous request ended). */
  readonly headersTimeout: Duration.Duration
  /** A whole request, body included, must have arrived within this. */
  readonly requestTimeout: Duration.Duration
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeout: Duration.Duration
  /** Connections open at once at most; a new one past it is closed at once. */
  readonly maxConnections: number
  /** Headers a request may carry at most; one with more gets a 400. */
  readonly maxRequestHeaders: number
}

export interface HostConfig {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** A PostgreSQL server; `None` runs an embedded one. */
  readonly databaseUrl: Option.Option<string>
  /**
   * Where the embedded database's snapshot lives (written on the first start, restored on
   * the next ones); `None` starts it fresh every time.
   */
  readonly embeddedSnapshot: Option.Option<string>
  readonly schema: string
  /** Connections to a PostgreSQL server at most. */
  readonly databasePoolSize: number
  /** Distinct statements one server connection prepares (0: none, for a pooler in transaction mode). */
  readonly databasePreparedStatements: number
  /**
   * How long one database call may take before its request gets 503
   * `SERVICE_UNAVAILABLE`; a server connection that stays silent as long is closed.
   */
  readonly databaseDeadline: Duration.Duration
  readonly rateLimitPerHour: number
  /** Where rate-limit windows live: this process, or Redis to share them among hosts. */
  readonly rateLimitStore: RateLimitStore
  readonly connections: ConnectionLimits
  /** Signs page cursors; every API server of a deployment must share it. */
  readonly cursorSecret: string
  /**
   * The `Access-Control-Allow-Origin` of every response: `*` lets any web page call the API,
   * which is safe because callers authenticate with bearer tokens, never cookies.
   */
  readonly corsAllowOrigin: string
  /** The least severe log the host writes. */
  readonly logLevel: LogLevel.LogLevel
  /** The simulated worker, or `None` to run the API alone. */
  readonly worker: Option.Option<SimulatedWorkerOptions>
  readonly operability: OperabilityConfig
  readonly events: EventsConfig
}

/** The connection limits of `npm start` without settings. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeout: Duration.seconds(10),
  requestTimeout: Duration.seconds(30),
  keepAliveTimeout: Duration.seconds(5),
  maxConnections: 1000,
  maxRequestHeaders: MAX_REQUEST_HEADERS
}

/**
 * The embedded database's snapshot, named after what it holds: the schema, the migrations, the demo
 * data and the PGlite release. A change to any of them names another file, so a stale
 * snapshot is never restored.
 */
const defaultSnapshotPath = (schema: string) => {
  const pglite = join(dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "../package.json")
  const pgliteVersion = (JSON.parse(readFileSync(pglite, "utf8")) as { version: string }).version
  const contents = JSON.stringify([MIGRATIONS, DEMO_TRANSFERS, DEMO_TOKENS, pgliteVersion, schema], (_, value) =>
    typeof value === "bigint" ? String(value) : value
  )
  const key = createHash("sha256").update(contents).digest("hex").slice(0, 16)
  return `node_modules/.cache/transfer-backfills/embedded-${key}.tar.gz`
}

const connectionsFromEnv: Config.Config<ConnectionLimits> = Config.all({
  headersTimeout: millis("HEADERS_TIMEOUT_MS", DEFAULT_CONNECTION_LIMITS.headersTimeout),
  requestTimeout: millis("REQUEST_TIMEOUT_MS", DEFAULT_CONNECTION_LIMITS.requestTimeout),
  keepAliveTimeout: millis("KEEP_ALIVE_TIMEOUT_MS", DEFAULT_CONNECTION_LIMITS.keepAliveTimeout),
  maxConnections: atLeast("MAX_CONNECTIONS", 1, DEFAULT_CONNECTION_LIMITS.maxConnections),
  maxRequestHeaders: atLeast("MAX_REQUEST_HEADERS", 1, DEFAULT_CONNECTION_LIMITS.maxRequestHeaders)
}).pipe(
  // Node refuses a server whose headers may take longer than the whole request.
  Config.validate({
    message: "HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS",
    validation: (limits) => Duration.lessThanOrEqualTo(limits.headersTimeout, limits.requestTimeout)
  })
)

/** The configuration from the environment, with the defaults the README lists. */
export const hostConfigFromEnv: Config.Config<HostConfig> = Config.all({
  port: Config.integer("PORT").pipe(Config.withDefault(3000)),
  databaseUrl: Config.option(Config.nonEmptyString("DATABASE_URL")),
  schema: Config.string("DATABASE_SCHEMA").pipe(Config.withDefault("transfer_backfills")),
  embeddedSnapshot: Config.all({
    path: Config.option(Config.string("EMBEDDED_DATABASE_SNAPSHOT")),
    schema: Config.string("DATABASE_SCHEMA").pipe(Config.withDefault("transfer_backfills"))
  }).pipe(
    Config.map(({ path, schema }) =>
      Option.match(path, {
        onNone: () => Option.some(defaultSnapshotPath(schema)),
        onSome: (set) => Option.some(set).pipe(Option.filter((chosen) => chosen !== "off" && chosen !== ""))
      })
    )
  ),
  databasePoolSize: Config.integer("DATABASE_POOL_SIZE").pipe(Config.withDefault(16)),
  databasePreparedStatements: atLeast("DATABASE_PREPARED_STATEMENTS", 0, DEFAULT_PREPARED_STATEMENTS),
  databaseDeadline: Config.integer("DATABASE_DEADLINE_MS").pipe(Config.withDefault(5000), Config.map(Duration.millis)),
  rateLimitPerHour: Config.integer("RATE_LIMIT_PER_HOUR").pipe(
    Config.validate({
      message: `must be a whole number of requests from 1 to ${Number.MAX_SAFE_INTEGER}`,
      validation: isRepresentableLimit
    }),
    Config.withDefault(5000)
  ),
  rateLimitStore: Config.all({
    url: Config.option(Config.nonEmptyString("REDIS_URL")),
    prefix: Config.string("RATE_LIMIT_REDIS_PREFIX").pipe(Config.withDefault("transfer-backfills:rate:")),
    commandTimeout: millis("RATE_LIMIT_REDIS_TIMEOUT_MS", Duration.seconds(1))
  }).pipe(
    Config.map(
      ({ url, prefix, commandTimeout }): RateLimitStore =>
        Option.match(url, {
          onNone: () => ({ _tag: "Memory" }),
          onSome: (redis) => ({ _tag: "Redis", url: redis, prefix, commandTimeout })
        })
    )
  ),
  connections: connectionsFromEnv,
  operability: operabilityFromEnv,
  events: eventsFromEnv,
  cursorSecret: Config.string("CURSOR_SECRET").pipe(Config.withDefault(`reference-host-${crypto.randomUUID()}`)),
  corsAllowOrigin: Config.nonEmptyString("CORS_ALLOW_ORIGIN").pipe(Config.withDefault("*")),
  logLevel: Config.string("LOG_LEVEL").pipe(
    Config.mapOrFail((name) =>
      Either.fromOption(logLevelNamed(name), () => ConfigError.InvalidData([], `must be one of ${LOG_LEVEL_NAMES}`))
    ),
    Config.withDefault(LogLevel.Info)
  ),
  worker: Config.all({
    enabled: Config.string("WORKER").pipe(Config.withDefault("on")),
    dayMillis: Config.integer("WORKER_DAY_MS").pipe(Config.withDefault(200)),
    failureRate: Config.number("WORKER_FAILURE_RATE").pipe(Config.withDefault(0)),
    daysPerTurn: Config.integer("DAYS_PER_TURN").pipe(
      Config.validate({ message: "must be a positive integer", validation: (days) => days > 0 }),
      Config.withDefault(DEFAULT_DAYS_PER_TURN)
    ),
    maxRunningDaysPerTeam: Config.option(
      Config.integer("MAX_RUNNING_DAYS_PER_TEAM").pipe(
        Config.validate({ message: "must be a positive integer", validation: (days) => days > 0 })
      )
    )
  }).pipe(
    Config.map(({ enabled, dayMillis, failureRate, daysPerTurn, maxRunningDaysPerTeam }) =>
      enabled === "off"
        ? Option.none()
        : Option.some({
            dayDuration: Duration.millis(dayMillis),
            failureRate,
            daysPerTurn,
            maxRunningDaysPerTeam: Option.getOrUndefined(maxRunningDaysPerTeam)
          })
    )
  )
})
