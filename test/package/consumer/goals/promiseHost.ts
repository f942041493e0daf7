// A Promise host on PostgreSQL, no Effect in sight: its own token check, the API on node:http.
import { createServer } from "node:http"
import { toNodeHandler } from "transfer-backfills/promise"
import { connectPostgres } from "transfer-backfills/promise/postgres"

const db = await connectPostgres({ url: process.env.DATABASE_URL ?? "" })
await db.migrate()
await db.saveTransfer({ id: "456789", teamId: "1", timeZone: "UTC" })
const admin = { userId: "7", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }
const api = toNodeHandler({
  layer: db.layer,
  authenticate: async (token) => (token === process.env.TOKEN ? admin : null),
  cursorSecret: process.env.SECRET ?? ""
})
const server = createServer(api.handler).listen(Number(process.env.PORT))
process.once("SIGTERM", () => server.close(() => api.dispose().then(db.close)))
