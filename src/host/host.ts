/**
 * The reference host, assembled: a database (embedded unless `DATABASE_URL` names a
 * server), migrated and seeded with the demo data; the library's ports on it; the HTTP API
 * on a loopback port; and a worker processing backfills with a simulated transfer run.
 * Closing the layer's scope shuts everything down in order: the server stops taking
 * requests and finishes the ones in flight, the worker finishes its current day and
 * releases its lease, the database closes.
 */
import type { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Option } from "effect"
import { withCachedAuthentication } from "../adapters/cachedAuthenticator.js"
import {
  layerPostgresAuthenticator,
  layerPostgresTransferLookup,
  saveToken,
  saveTransfer
} from "../adapters/postgres/directory.js"
import { migrate } from "../adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../adapters/postgres/repository.js"
import { layerPageCursors } from "../http/pageCursor.js"
import * as Worker from "../operations/worker.js"
import { type AdminServer, layerAdminServer } from "./admin.js"
import type { HostConfig } from "./config.js"
import { layerDatabase } from "./database.js"
import { DEMO_TEAMS, DEMO_TOKENS, DEMO_TRANSFERS } from "./demo.js"
import { layerHostRelay } from "./eventRelay.js"
import { corsHeaders, frontDoor } from "./http.js"
import { connectionCap, createLimitedServer, openFileLimit } from "./nodeServer.js"
import { layerRequestLimiter } from "./rateLimiter.js"
import type { HostServices } from "./routes.js"
import { type HostServer, layerHostServer } from "./server.js"
import { reportHealth, runSimulatedWorker, showProgress } from "./simulatedWorker.js"
import { layerTelemetry } from "./telemetry.js"

export { AdminServer } from "./admin.js"
export { type HostConfig, hostConfigFromEnv } from "./config.js"
export { HostServer } from "./server.js"

/** Migrations and demo data, applied before anything is served. */
const prepareDatabase = (schema: string) =>
  Effect.gen(function* () {
    yield* migrate({ schema })
    for (const transfer of DEMO_TRANSFERS) yield* saveTransfer(transfer, { schema })
    for (const [token, principal] of Object.entries(DEMO_TOKENS)) yield* saveToken(token, principal, { schema })
  })

/**
 * The whole host. `overrides` replaces ports (tests use it to make one fail); the output
 * is the running HTTP server and its admin server, whose urls tell the chosen ports.
 */
export const layerHost = <Replaced extends HostServices = never>(
  config: HostConfig,
  overrides?: Layer.Layer<Replaced>
): Layer.Layer<HostServer | AdminServer, unknown> =>
  Layer.unwrapEffect(
    Effect.map(Worker.makeWorkerHealth, (health) => {
      const { schema } = config
      const deadline = config.databaseDeadline
      const database = layerDatabase({
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        preparedStatements: config.databasePreparedStatements,
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
      const { connections } = config
      const limits = Effect.map(
        connectionCap(connections.maxConnections, config.databasePoolSize, openFileLimit()),
        (maxConnections) => ({ ...connections, maxConnections })
      )
      const server = Layer.unwrapEffect(
        Effect.map(limits, (capped) =>
          layerHostServer(
            () => createLimitedServer(capped, corsHeaders(config.corsAllowOrigin)),
            config.port,
            frontDoor({
              workerHealth: Option.map(config.worker, () => health),
              corsAllowOrigin: config.corsAllowOrigin,
              maxRequestHeaders: connections.maxRequestHeaders,
              events: config.events
            })
          )
        )
      ).pipe(Layer.provide(layerRequestLimiter(config.rateLimitPerHour, config.rateLimitStore)))
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
      const { operability } = config
      const admin = layerAdminServer(operability.adminPort, {
        schema,
        deadline,
        workerHealth: Option.map(config.worker, () => health),
        workerMaxAge: operability.readyWorkerMaxAge
      })
      return Layer.mergeAll(server, worker, admin, layerHostRelay(config.events)).pipe(
        Layer.provide(layerTelemetry({ serviceName: operability.serviceName, otlp: operability.otlp })),
        Layer.provide(overrides === undefined ? ports : Layer.merge(ports, overrides)),
        Layer.provide(database)
      )
    })
  )
