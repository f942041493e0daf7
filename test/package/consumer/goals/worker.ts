// A worker in a dozen lines: claims backfills on PostgreSQL and runs each of their days.
import { hostname } from "node:os"
import { NodeRuntime } from "@effect/platform-node"
import { Duration, Effect } from "effect"
import { BackfillWorker, completed, WorkerId } from "transfer-backfills"
import { layerPostgresBackfillRepository, layerPostgresClient } from "transfer-backfills/postgres"

const database = layerPostgresClient({ url: process.env.DATABASE_URL ?? "" })
const worker = BackfillWorker.runWorker({
  workerId: WorkerId.make(hostname()),
  leaseDuration: Duration.seconds(30),
  pollInterval: Duration.millis(200),
  execute: ({ backfill, day }) => Effect.as(Effect.log(`transfer ${backfill.transferId} re-ran ${day}`), completed)
})
NodeRuntime.runMain(worker.pipe(Effect.provide(layerPostgresBackfillRepository()), Effect.provide(database)))
