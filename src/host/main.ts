/**
 * `npm start`: the reference host on http://127.0.0.1:3000 (PORT overrides), with the
 * demo data and a worker, on an embedded database unless DATABASE_URL names a server; its
 * metrics and probes on http://127.0.0.1:9464 (ADMIN_PORT overrides).
 * Ctrl-C (SIGINT) or SIGTERM shuts it down gracefully.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Layer, LogLevel, Option } from "effect"
import { DEMO_TOKENS } from "./demo.js"
import { AdminServer, HostServer, hostConfigFromEnv, layerHost } from "./host.js"
import { layerHostLogger } from "./logging.js"

const banner = Effect.gen(function* () {
  const { url } = yield* HostServer
  const admin = (yield* AdminServer).url
  const tokens = Object.entries(DEMO_TOKENS)
    .map(
      ([token, principal]) =>
        `    ${token.padEnd(12)} user ${principal.userId}, teams ${principal.teamIds.join(", ")}, ${principal.scopes.join(" ")}, ${principal.permissions.join(" ")}`
    )
    .join("\n")
  yield* Console.log(`transfer-backfills reference host listening on ${url}

  Bearer tokens:
${tokens}

  Schedule the seed's backfill:
    curl -s -X POST ${url}/teams/1/transfers/456789/backfills \\
      -H 'Authorization: Bearer demo-admin' -H 'Content-Type: application/json' \\
      -d '{"range_start":"2024-01-01","range_end":"2024-01-31"}'

  Watch it:   curl -s ${url}/teams/1/backfills -H 'Authorization: Bearer demo-viewer'
  Live, each day as it finishes (use the transfer_backfill_id the POST answered):
              curl -sN ${url}/teams/1/backfills/<transfer_backfill_id>/events -H 'Authorization: Bearer demo-viewer'
  OpenAPI:    ${url}/openapi.json
  Metrics:    ${admin}/metrics   (also ${admin}/healthz and ${admin}/readyz)
  Stop:       Ctrl-C
`)
})

/** Said here rather than by `runMain`, whose report would come after the JSON logger is gone. */
const logFailure = (cause: Cause.Cause<unknown>) =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logFatal("The host stopped on a failure", cause)

const program = Effect.gen(function* () {
  const config = yield* hostConfigFromEnv.pipe(
    Effect.tapErrorCause((cause) => Effect.provide(logFailure(cause), layerHostLogger(LogLevel.Info)))
  )
  if (Option.isNone(config.databaseUrl)) yield* Console.log("Starting an embedded PostgreSQL (PGlite)…")
  return yield* Layer.launch(Layer.effectDiscard(banner).pipe(Layer.provideMerge(layerHost(config)))).pipe(
    Effect.tapErrorCause(logFailure),
    Effect.provide(layerHostLogger(config.logLevel))
  )
})

NodeRuntime.runMain(program, { disableErrorReporting: true })
