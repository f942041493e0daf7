// A worker without Effect: claims backfills on PostgreSQL and re-runs each of their days.
import { createPromiseWorker } from "transfer-backfills/promise"
import { connectPostgres } from "transfer-backfills/promise/postgres"

const db = await connectPostgres({ url: process.env.DATABASE_URL ?? "" })
const worker = createPromiseWorker({
  layer: db.layer,
  pollIntervalMillis: 200,
  execute: async ({ transferId, day }) => console.log(`transfer ${transferId} re-ran ${day}`)
})
worker.start()
process.once("SIGTERM", () => worker.stop().then(db.close))
