/**
 * A relay in a process of its own, for the tests that kill it: events of `SCHEMA` on the
 * PostgreSQL server at `DATABASE_URL`, posted to the webhook at `RECEIVER_URL` (team 1),
 * with a short hold so that the next relay takes over soon after a kill.
 */
import { Duration, Effect, Layer, Option } from "effect"
import { layerPostgresClient } from "../../src/adapters/postgres/client.js"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { layerWebhookSink } from "../../src/adapters/webhooks/sink.js"
import { runEventRelay } from "../../src/operations/eventRelay.js"

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

const database = layerPostgresClient({ url: env("DATABASE_URL"), maxConnections: 2 })
const ports = Layer.merge(
  layerPostgresBackfillRepository({ schema: env("SCHEMA") }),
  layerWebhookSink({
    endpointOf: (teamId) =>
      teamId === 1n ? Option.some({ url: env("RECEIVER_URL"), secret: "kill-test" }) : Option.none(),
    timeout: Duration.seconds(1)
  })
).pipe(Layer.provide(database))

const relay = runEventRelay({
  relayId: `relay-${process.pid}`,
  holdDuration: Duration.millis(1500),
  pollInterval: Duration.millis(20),
  batch: { backfills: 4, eventsPerBackfill: 5 }
})

Effect.runFork(Effect.provide(relay, ports))
