/**
 * A backfill API on plain `node:http`, without Effect: the Promise handler of
 * transfer-backfills over async ports (here, maps in memory) and the library's in-memory
 * store. Run it with `node --import tsx docs/examples/promise-host.ts` (PORT, default
 * 3100), then:
 *
 *   curl -s -X POST http://127.0.0.1:3100/teams/1/transfers/456789/backfills \
 *     -H 'Authorization: Bearer demo-admin' -d '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
 */
import { createServer } from "node:http"
import { type PlainPrincipal, type PlainTransfer, toNodeHandler } from "transfer-backfills/promise"

// Ids are decimal strings: a PostgreSQL bigint does not fit a number exactly.
const tokens = new Map<string, PlainPrincipal>([
  ["demo-admin", { userId: "789", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }]
])
const transfers = new Map<string, PlainTransfer>([["456789", { id: "456789", teamId: "1", timeZone: "UTC" }]])

// The whole API: its routes on the raw path, SPEC's envelopes for what no route takes,
// bodies over 16 KiB and more than 100 headers refused, X-Request-Id and Idempotency-Key.
const api = toNodeHandler({
  authenticate: async (token) => tokens.get(token),
  // By both ids, so that another team's transfer answers as fast as a missing one.
  findTeamTransfer: async (teamId, transferId) => {
    const transfer = transfers.get(transferId)
    return transfer?.teamId === teamId ? transfer : undefined
  },
  // At least 32 bytes, shared by every server of a deployment; toNodeHandler throws otherwise.
  cursorSecret: process.env.CURSOR_SECRET ?? "a demo secret only: set CURSOR_SECRET to 32 random bytes"
})

// Connection limits (docs/hosting.md, "Limits"): Node alone keeps a silent socket for a
// minute, a trickling body for five, and takes connections until the process runs out of files.
const limits = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000
}
const server = createServer(limits, api.handler)
server.maxConnections = 1_000
server.maxHeadersCount = 0 // Node would drop headers past the 1,000th without a word

server.listen(Number(process.env.PORT ?? 3100), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : ""}\n`)
})

const stop = () => server.close(() => api.dispose().then(() => process.exit(0)))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
