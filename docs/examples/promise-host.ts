/**
 * A backfill API on plain `node:http`, without Effect: the Promise facade of
 * transfer-backfills over async ports (here, maps in memory) and the library's in-memory
 * store. Run it with `node --import tsx docs/examples/promise-host.ts` (PORT, default
 * 3100), then:
 *
 *   curl -s -X POST http://127.0.0.1:3100/teams/1/transfers/456789/backfills \
 *     -H 'Authorization: Bearer demo-admin' -d '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
 */
import { createServer, type IncomingMessage } from "node:http"
import {
  createPromiseApi,
  exceedsHeaderLimit,
  type PlainPrincipal,
  type PlainTransfer,
  tooManyHeadersAnswer
} from "transfer-backfills/promise"

// Ids are decimal strings: a PostgreSQL bigint does not fit a number exactly.
const tokens = new Map<string, PlainPrincipal>([
  ["demo-admin", { userId: "789", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }]
])
const transfers = new Map<string, PlainTransfer>([["456789", { id: "456789", teamId: "1", timeZone: "UTC" }]])

const api = createPromiseApi({
  authenticate: async (token) => tokens.get(token),
  // By both ids, so that another team's transfer answers as fast as a missing one.
  findTeamTransfer: async (teamId, transferId) => {
    const transfer = transfers.get(transferId)
    return transfer?.teamId === teamId ? transfer : undefined
  },
  // At least 32 bytes, shared by every server of a deployment; createPromiseApi throws otherwise.
  cursorSecret: process.env.CURSOR_SECRET ?? "a demo secret only: set CURSOR_SECRET to 32 random bytes"
})

const readBody = async (request: IncomingMessage): Promise<Uint8Array | undefined> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return chunks.length === 0 ? undefined : Buffer.concat(chunks)
}

/** The credentials and, for the requests that change a backfill, the key that makes a retry of them safe. */
const caller = (request: IncomingMessage) => ({
  authorization: request.headers.authorization,
  idempotencyKey:
    typeof request.headers["idempotency-key"] === "string" ? request.headers["idempotency-key"] : undefined
})

const routes: ReadonlyArray<{
  readonly method: string
  readonly path: RegExp
  readonly handle: (
    request: IncomingMessage,
    params: Record<string, string>,
    query: Record<string, string>
  ) => ReturnType<typeof api.getBackfill>
}> = [
  {
    method: "POST",
    path: /^\/teams\/(?<team_id>[^/]+)\/transfers\/(?<transfer_id>[^/]+)\/backfills$/,
    handle: async (request, path) => api.scheduleBackfill({ ...caller(request), path, body: await readBody(request) })
  },
  {
    method: "POST",
    path: /^\/teams\/(?<team_id>[^/]+)\/transfers\/(?<transfer_id>[^/]+)\/backfills\/preview$/,
    handle: async (request, path) =>
      api.previewBackfill({ authorization: request.headers.authorization, path, body: await readBody(request) })
  },
  {
    method: "GET",
    path: /^\/teams\/(?<team_id>[^/]+)\/transfers\/(?<transfer_id>[^/]+)\/backfills\/latest$/,
    handle: (request, path) => api.latestBackfill({ authorization: request.headers.authorization, path })
  },
  {
    method: "GET",
    path: /^\/teams\/(?<team_id>[^/]+)\/backfills\/(?<backfill_id>[^/]+)$/,
    handle: (request, path) => api.getBackfill({ authorization: request.headers.authorization, path })
  },
  {
    method: "PATCH",
    path: /^\/teams\/(?<team_id>[^/]+)\/backfills\/(?<backfill_id>[^/]+)$/,
    handle: async (request, path) => api.cancelBackfill({ ...caller(request), path, body: await readBody(request) })
  },
  {
    method: "POST",
    path: /^\/teams\/(?<team_id>[^/]+)\/backfills\/(?<backfill_id>[^/]+)\/retry$/,
    handle: async (request, path) => api.retryBackfill({ ...caller(request), path, body: await readBody(request) })
  },
  {
    method: "GET",
    path: /^\/teams\/(?<team_id>[^/]+)\/backfills\/(?<backfill_id>[^/]+)\/runs$/,
    handle: (request, path, query) =>
      api.listBackfillRuns({ authorization: request.headers.authorization, path, query })
  },
  {
    method: "GET",
    path: /^\/teams\/(?<team_id>[^/]+)\/backfills$/,
    handle: (request, path, query) =>
      api.listIncompleteBackfills({ authorization: request.headers.authorization, path, query })
  }
]

// Connection limits (docs/hosting.md, "Limits"): Node alone keeps a silent socket for a
// minute, a trickling body for five, and takes connections until the process runs out of files.
const limits = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000
}
const server = createServer(limits, async (request, response) => {
  // Every header is kept (below), so a request with too many is refused, never read without some.
  if (exceedsHeaderLimit(request.rawHeaders.length)) {
    const answer = tooManyHeadersAnswer()
    response.writeHead(answer.status, answer.headers).end(answer.body)
    return
  }
  const url = new URL(request.url ?? "/", "http://localhost")
  const route = routes.find((candidate) => candidate.method === request.method && candidate.path.test(url.pathname))
  if (route === undefined) {
    response.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"NOT_FOUND"}}')
    return
  }
  const params = route.path.exec(url.pathname)?.groups ?? {}
  const answer = await route.handle(request, params, Object.fromEntries(url.searchParams))
  response.writeHead(answer.status, answer.headers).end(answer.body)
})

server.maxConnections = 1_000
server.maxHeadersCount = 0 // Node would drop headers past the 1,000th without a word

server.listen(Number(process.env.PORT ?? 3100), "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : ""}\n`)
})

const stop = () => server.close(() => api.dispose().then(() => process.exit(0)))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
