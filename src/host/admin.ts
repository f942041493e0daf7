/**
 * The reference host's admin port, on loopback only and apart from the API's: `/metrics`
 * for Prometheus, `/healthz` (the process serves) and `/readyz` (it should be sent
 * requests) for an orchestrator's probes. Nothing here needs a token, so nothing here is
 * on the public port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Runtime } from "effect"
import { checkReadiness, type ReadinessOptions } from "./readiness.js"
import { jsonAnswer } from "./routes.js"
import { close, type ListenRefused, listen, write } from "./server.js"
import { MetricsEndpoint } from "./telemetry.js"

/** The running admin server: where it listens. */
export class AdminServer extends Context.Tag("transfer-backfills/host/AdminServer")<
  AdminServer,
  { readonly url: string }
>() {}

const ALIVE = jsonAnswer(200, { status: "alive" })
const NOT_HERE = jsonAnswer(404, { error: "The admin port serves /metrics, /healthz and /readyz." })

/**
 * The admin server on `port` of 127.0.0.1 (0: any free port), its readiness checked as
 * `readiness` says, for the life of the layer.
 */
export const layerAdminServer = (
  port: number,
  readiness: ReadinessOptions
): Layer.Layer<AdminServer, ListenRefused, MetricsEndpoint | SqlClient.SqlClient> =>
  Layer.scoped(
    AdminServer,
    Effect.gen(function* () {
      const metrics = yield* MetricsEndpoint
      const run = Runtime.runPromise(yield* Effect.runtime<SqlClient.SqlClient>())
      const ready = Effect.map(checkReadiness(readiness), (state) => jsonAnswer(state.ready ? 200 : 503, state))
      const server = createServer((request: IncomingMessage, response: ServerResponse) => {
        const path = (request.url ?? "/").split("?")[0]
        if (request.method !== "GET") return write(response, NOT_HERE)
        if (path === "/metrics") return metrics.getMetricsRequestHandler(request, response)
        if (path === "/healthz") return write(response, ALIVE)
        if (path === "/readyz") return void run(ready).then((answer) => write(response, answer))
        write(response, NOT_HERE)
      })
      const url = yield* listen(server, port)
      yield* Effect.addFinalizer(() => close(server))
      return { url }
    })
  )
