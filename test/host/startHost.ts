/**
 * Starts the reference host for a test file on a free loopback port, on the server in
 * `DATABASE_URL` (in a schema of its own) or on an embedded database.
 */
import { HttpServer } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Exit, Layer, Option, Scope } from "effect"
import { layerDatabase } from "../../src/host/database.js"
import { type HostConfig, layerHost } from "../../src/host/host.js"
import type { HostServices } from "../../src/host/http.js"
import { uniqueSchemaName } from "../support/database.js"

export interface RunningHost {
  readonly url: string
  readonly stop: () => Promise<void>
}

export const startHost = async <Replaced extends HostServices = never>(
  options: Partial<HostConfig> & { readonly overrides?: Layer.Layer<Replaced> } = {}
): Promise<RunningHost> => {
  const databaseUrl = Option.fromNullable(process.env.DATABASE_URL).pipe(Option.filter((url) => url !== ""))
  const schema = uniqueSchemaName()
  const config: HostConfig = {
    port: 0,
    databaseUrl,
    schema,
    rateLimitPerHour: 5000,
    cursorSecret: "e2e-secret",
    worker: Option.some({ dayDuration: Duration.millis(2), failureRate: 0 }),
    ...options
  }
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layerHost(config, options.overrides), scope))
  const server = Layer.succeedContext(context)
  const address = await Effect.runPromise(Effect.provide(HttpServer.HttpServer, server))
  const url = HttpServer.formatAddress(address.address).replace("0.0.0.0", "127.0.0.1")
  return {
    url,
    stop: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      // A server database keeps the test's schema otherwise.
      if (Option.isSome(databaseUrl)) {
        await Effect.runPromise(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).pipe(
            Effect.provide(layerDatabase(databaseUrl)),
            Effect.orDie
          )
        )
      }
    }
  }
}
