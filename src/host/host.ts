/**
 * The reference host, assembled: a database (embedded unless `DATABASE_URL` names a
 * server), migrated and seeded with the demo data; the library's ports on it; the HTTP API
 * on a loopback port; and a worker processing backfills with a simulated transfer run.
 * Closing the layer's scope shuts everything down in order: the server stops taking
 * requests and finishes the ones in flight, the worker finishes its current day and
 * releases its lease, the database closes.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import type { Socket } from "node:net"
import { dirname, join } from "node:path"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type { SqlClient } from "@effect/sql"
import { Config, Duration, Effect, Layer, Option } from "effect"
import { withCachedAuthentication } from "../adapters/cachedAuthenticator.js"
import {
  layerPostgresAuthenticator,
  layerPostgresTransferLookup,
  saveToken,
  saveTransfer
} from "../adapters/postgres/directory.js"
import { MIGRATIONS, migrate } from "../adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../adapters/postgres/repository.js"
import { BadRequest } from "../domain/errors.js"
import { generateRequestId } from "../domain/requestId.js"
import { layerPageCursors } from "../http/pageCursor.js"
import { errorResponse } from "../http/response.js"
import * as Worker from "../operations/worker.js"
import { layerDatabase } from "./database.js"
import { DEMO_TEAMS, DEMO_TOKENS, DEMO_TRANSFERS } from "./demo.js"
import { frontDoor } from "./http.js"
import { layerRequestLimiter, type RateLimitStore } from "./rateLimiter.js"
import type { HostServices } from "./routes.js"
import { reportHealth, runSimulatedWorker, type SimulatedWorkerOptions, showProgress } from "./simulatedWorker.js"

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
  /**
   * How long one database call may take before its request gets 503
   * `SERVICE_UNAVAILABLE`; a server connection that stays silent as long is closed.
   */
  readonly databaseDeadline: Duration.Duration
  readonly rateLimitPerHour: number
  /** Where rate-limit windows live: this process, or Redis to share them among hosts. */
  readonly rateLimitStore: RateLimitStore
  /** Signs page cursors; every API server of a deployment must share it. */
  readonly cursorSecret: string
  /**
   * The `Access-Control-Allow-Origin` of every response: `*` lets any web page call the API,
   * which is safe because callers authenticate with bearer tokens, never cookies.
   */
  readonly corsAllowOrigin: string
  /** The simulated worker, or `None` to run the API alone. */
  readonly worker: Option.Option<SimulatedWorkerOptions>
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
  databaseDeadline: Config.integer("DATABASE_DEADLINE_MS").pipe(Config.withDefault(5000), Config.map(Duration.millis)),
  rateLimitPerHour: Config.integer("RATE_LIMIT_PER_HOUR").pipe(Config.withDefault(5000)),
  rateLimitStore: Config.all({
    url: Config.option(Config.nonEmptyString("REDIS_URL")),
    prefix: Config.string("RATE_LIMIT_REDIS_PREFIX").pipe(Config.withDefault("transfer-backfills:rate:"))
  }).pipe(
    Config.map(
      ({ url, prefix }): RateLimitStore =>
        Option.match(url, {
          onNone: () => ({ _tag: "Memory" }),
          onSome: (redis) => ({ _tag: "Redis", url: redis, prefix })
        })
    )
  ),
  cursorSecret: Config.string("CURSOR_SECRET").pipe(Config.withDefault(`reference-host-${crypto.randomUUID()}`)),
  corsAllowOrigin: Config.nonEmptyString("CORS_ALLOW_ORIGIN").pipe(Config.withDefault("*")),
  worker: Config.all({
    enabled: Config.string("WORKER").pipe(Config.withDefault("on")),
    dayMillis: Config.integer("WORKER_DAY_MS").pipe(Config.withDefault(200)),
    failureRate: Config.number("WORKER_FAILURE_RATE").pipe(Config.withDefault(0))
  }).pipe(
    Config.map(({ enabled, dayMillis, failureRate }) =>
      enabled === "off" ? Option.none() : Option.some({ dayDuration: Duration.millis(dayMillis), failureRate })
    )
  )
})

/** Migrations and demo data, applied before anything is served. */
const prepareDatabase = (schema: string) =>
  Effect.gen(function* () {
    yield* migrate({ schema })
    for (const transfer of DEMO_TRANSFERS) yield* saveTransfer(transfer, { schema })
    for (const [token, principal] of Object.entries(DEMO_TOKENS)) yield* saveToken(token, principal, { schema })
  })

/** What a request Node could not read gets told, by Node's error code. */
const unreadable = (code: string | undefined): string => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return "The request headers are too large."
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "The request did not arrive in time."
    default:
      return "The request could not be read as HTTP/1.1."
  }
}

/**
 * A Node server whose answer to a request it cannot read as HTTP is the SPEC §5 envelope
 * with a request id, like every other answer of the host, where Node would send a bare
 * 400. As Node does, it answers only when nothing was sent on the connection yet, then
 * closes it.
 */
const createEnvelopingServer = (): Server => {
  const server = createServer()
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && socket.bytesWritten === 0 && error.code !== "ECONNRESET") {
      const answer = errorResponse(
        Effect.runSync(generateRequestId),
        new BadRequest({ description: unreadable(error.code) })
      )
      const head = Object.entries({
        ...answer.headers,
        connection: "close",
        "content-length": Buffer.byteLength(answer.body)
      })
        .map(([name, value]) => `${name}: ${value}`)
        .join("\r\n")
      socket.write(`HTTP/1.1 ${answer.status} Bad Request\r\n${head}\r\n\r\n${answer.body}`)
    }
    socket.destroy()
  })
  return server
}

/**
 * The whole host. `overrides` replaces ports (tests use it to make one fail); the output
 * is the running HTTP server, whose address tells the chosen port.
 */
export const layerHost = <Replaced extends HostServices = never>(
  config: HostConfig,
  overrides?: Layer.Layer<Replaced>
): Layer.Layer<HttpServer.HttpServer, unknown> =>
  Layer.unwrapEffect(
    Effect.map(Worker.makeWorkerHealth, (health) => {
      const { schema } = config
      const deadline = config.databaseDeadline
      const database = layerDatabase({
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        deadline,
        prepare: prepareDatabase(schema),
        snapshot: config.embeddedSnapshot
      }) satisfies Layer.Layer<SqlClient.SqlClient, unknown>
      const ports = Layer.mergeAll(
        layerPostgresBackfillRepository({ schema, deadline }),
        layerPostgresTransferLookup({ schema, deadline }),
        withCachedAuthentication(layerPostgresAuthenticator({ schema, deadline }), {
          timeToLive: Duration.seconds(30),
          capacity: 10_000
        }),
        layerPageCursors(config.cursorSecret)
      )
      const server = HttpServer.serve(
        frontDoor({
          workerHealth: Option.map(config.worker, () => health),
          corsAllowOrigin: config.corsAllowOrigin
        })
      ).pipe(
        Layer.provide(layerRequestLimiter(config.rateLimitPerHour, config.rateLimitStore)),
        Layer.provideMerge(NodeHttpServer.layer(createEnvelopingServer, { port: config.port, host: "127.0.0.1" }))
      )
      const worker = Option.match(config.worker, {
        onNone: () => Layer.empty,
        onSome: (options) =>
          Layer.scopedDiscard(
            Effect.all([
              Effect.forkScoped(runSimulatedWorker(options, health)),
              Effect.forkScoped(reportHealth(health)),
              Effect.forkScoped(showProgress(DEMO_TEAMS))
            ])
          )
      })
      return Layer.merge(server, worker).pipe(
        Layer.provide(overrides === undefined ? ports : Layer.merge(ports, overrides)),
        Layer.provide(database)
      )
    })
  )
