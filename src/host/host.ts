/**
 * The reference host, assembled: a database (embedded unless `DATABASE_URL` names a
 * server), migrated and seeded with the demo data; the library's ports on it; the HTTP API
 * on a loopback port; and a worker processing backfills with a simulated transfer run.
 * Closing the layer's scope shuts everything down in order: the server stops taking
 * requests and finishes the ones in flight, the worker finishes its current day and
 * releases its lease, the database closes.
 */
import { createServer } from "node:http"
import { HttpApiBuilder, type HttpServer } from "@effect/platform"
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
import { migrate } from "../adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../adapters/postgres/repository.js"
import { layerPageCursors } from "../wire/pageCursor.js"
import { layerDatabase } from "./database.js"
import { DEMO_TEAMS, DEMO_TOKENS, DEMO_TRANSFERS } from "./demo.js"
import { frontDoor, type HostServices, layerBackfillHttpApi } from "./http.js"
import { makeRateLimiter } from "./rateLimiter.js"
import { runSimulatedWorker, type SimulatedWorkerOptions, showProgress } from "./simulatedWorker.js"

export interface HostConfig {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** A PostgreSQL server; `None` runs an embedded one. */
  readonly databaseUrl: Option.Option<string>
  readonly schema: string
  readonly rateLimitPerHour: number
  /** Signs page cursors; every API server of a deployment must share it. */
  readonly cursorSecret: string
  /** The simulated worker, or `None` to run the API alone. */
  readonly worker: Option.Option<SimulatedWorkerOptions>
}

/** The configuration from the environment, with the defaults the README lists. */
export const hostConfigFromEnv: Config.Config<HostConfig> = Config.all({
  port: Config.integer("PORT").pipe(Config.withDefault(3000)),
  databaseUrl: Config.option(Config.nonEmptyString("DATABASE_URL")),
  schema: Config.string("DATABASE_SCHEMA").pipe(Config.withDefault("transfer_backfills")),
  rateLimitPerHour: Config.integer("RATE_LIMIT_PER_HOUR").pipe(Config.withDefault(5000)),
  cursorSecret: Config.string("CURSOR_SECRET").pipe(Config.withDefault(`reference-host-${crypto.randomUUID()}`)),
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

/**
 * The whole host. `overrides` replaces ports (tests use it to make one fail); the output
 * is the running HTTP server, whose address tells the chosen port.
 */
export const layerHost = <Replaced extends HostServices = never>(
  config: HostConfig,
  overrides?: Layer.Layer<Replaced>
): Layer.Layer<HttpServer.HttpServer, unknown> => {
  const { schema } = config
  const database = Layer.provideMerge(
    Layer.effectDiscard(prepareDatabase(schema)),
    layerDatabase(config.databaseUrl)
  ) satisfies Layer.Layer<SqlClient.SqlClient, unknown>
  const ports = Layer.mergeAll(
    layerPostgresBackfillRepository({ schema }),
    layerPostgresTransferLookup({ schema }),
    withCachedAuthentication(layerPostgresAuthenticator({ schema }), {
      timeToLive: Duration.seconds(30),
      capacity: 10_000
    }),
    layerPageCursors(config.cursorSecret)
  )
  const server = HttpApiBuilder.serve(frontDoor(makeRateLimiter(config.rateLimitPerHour))).pipe(
    Layer.provide(layerBackfillHttpApi),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: config.port, host: "127.0.0.1" }))
  )
  const worker = Option.match(config.worker, {
    onNone: () => Layer.empty,
    onSome: (options) =>
      Layer.scopedDiscard(
        Effect.zipRight(Effect.forkScoped(runSimulatedWorker(options)), Effect.forkScoped(showProgress(DEMO_TEAMS)))
      )
  })
  return Layer.merge(server, worker).pipe(
    Layer.provide(overrides === undefined ? ports : Layer.merge(ports, overrides)),
    Layer.provide(database)
  )
}
