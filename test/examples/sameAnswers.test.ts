/**
 * Every way to serve the API answers alike: the same raw requests (odd path segments,
 * bad bodies, too many headers, unknown routes and methods, keyed replays) sent in the
 * same order to the reference host, each framework recipe, both standard handlers and the
 * Effect router get the same status and the same body, request ids and instants aside
 * (each host has its own store and clock).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { serve } from "@hono/node-server"
import { Effect, Exit, Layer, Option, Scope } from "effect"
import { toNodeHandler, toWebHandler } from "transfer-backfills/handlers"
import { backfillRouter } from "transfer-backfills/http-api"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { demoPorts } from "../../examples/demoPorts.js"
import { startExpressHost } from "../../examples/express.js"
import { startFastifyHost } from "../../examples/fastify.js"
import { startHonoHost } from "../../examples/hono.js"
import { sendBytes } from "../host/rawHttp.js"
import { startHost } from "../host/startHost.js"

interface Running {
  readonly url: string
  readonly close: () => Promise<unknown>
}

const listening = async (server: Server, dispose: () => Promise<void>): Promise<Running> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await dispose()
    }
  }
}

const nodeHandlerHost = () => {
  const api = toNodeHandler(demoPorts)
  const server = createServer(api.handler)
  server.maxHeadersCount = 0
  return listening(server, api.dispose)
}

const webHandlerHost = () => {
  const api = toWebHandler(demoPorts)
  const server = serve({ fetch: api.handler, port: 0, hostname: "127.0.0.1", createServer }) as Server
  server.maxHeadersCount = 0
  return new Promise<Running>((resolve) =>
    server.once("listening", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
          await new Promise((done) => server.close(done))
          await api.dispose()
        }
      })
    )
  )
}

const effectRouterHost = async (): Promise<Running> => {
  const scope = Effect.runSync(Scope.make())
  const served = backfillRouter().pipe(
    HttpServer.serve(),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
    Layer.provide(demoPorts)
  )
  const context = await Effect.runPromise(Layer.buildWithScope(served, scope))
  const server = await Effect.runPromise(Effect.provide(HttpServer.HttpServer, Layer.succeedContext(context)))
  return {
    url: HttpServer.formatAddress(server.address),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const referenceHost = async (): Promise<Running> => {
  const host = await startHost({ worker: Option.none() })
  return { url: host.url, close: host.stop }
}

const HOSTS: ReadonlyArray<readonly [string, () => Promise<Running>]> = [
  ["the reference host", referenceHost],
  ["the Express recipe", () => startExpressHost(0)],
  ["the Fastify recipe", () => startFastifyHost(0)],
  ["the Hono recipe", () => startHonoHost(0)],
  ["toNodeHandler on node:http", nodeHandlerHost],
  ["toWebHandler on @hono/node-server", webHandlerHost],
  ["backfillRouter on NodeHttpServer", effectRouterHost]
]

const raw = (method: string, target: string, headers: Record<string, string> = {}, body?: string) => {
  const lines = Object.entries({
    Host: "x",
    ...headers,
    ...(body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": String(body.length) }),
    Connection: "close"
  }).map(([name, value]) => `${name}: ${value}\r\n`)
  return `${method} ${target} HTTP/1.1\r\n${lines.join("")}\r\n${body ?? ""}`
}

const ADMIN = { Authorization: "Bearer demo-admin" }
const CREATE = "/teams/1/transfers/456789/backfills"
const JANUARY = '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
const MARCH = '{"range_start":"2023-03-01","range_end":"2023-03-10"}'

/** In order: later ones read what earlier ones wrote. */
const REQUESTS: ReadonlyArray<readonly [string, string]> = [
  ["no token, bad body", raw("POST", CREATE, {}, "{not json")],
  ["a bad body", raw("POST", CREATE, ADMIN, "{not json")],
  ["a viewer creating", raw("POST", CREATE, { Authorization: "Bearer demo-viewer" }, JANUARY)],
  ["a create", raw("POST", CREATE, { ...ADMIN, "X-Request-Id": "same-answers-0001" }, JANUARY)],
  ["a keyed create", raw("POST", CREATE, { ...ADMIN, "Idempotency-Key": '"k-1"' }, MARCH)],
  ["its replay", raw("POST", CREATE, { ...ADMIN, "Idempotency-Key": '"k-1"' }, MARCH)],
  [
    "the key reused",
    raw(
      "POST",
      CREATE,
      { ...ADMIN, "Idempotency-Key": '"k-1"' },
      '{"range_start":"2023-04-01","range_end":"2023-04-02"}'
    )
  ],
  ["a get", raw("GET", "/teams/1/backfills/1", ADMIN)],
  ["an escaped id", raw("GET", "/teams/1/backfills/%31", ADMIN)],
  ["a zero-padded id", raw("GET", "/teams/1/backfills/01", ADMIN)],
  ["an escaped slash", raw("GET", "/teams/1/backfills/a%2Fb", ADMIN)],
  ["a non-ASCII id", raw("GET", "/teams/1/backfills/%E2%82%AC", ADMIN)],
  ["an escaped team", raw("GET", "/teams/%31/backfills/1", ADMIN)],
  ["a trailing slash", raw("GET", "/teams/1/backfills/1/", ADMIN)],
  ["an empty segment", raw("GET", "/teams//backfills", ADMIN)],
  ["a doubled slash", raw("GET", "//teams/1/backfills", ADMIN)],
  ["an unknown path", raw("GET", "/nowhere", ADMIN)],
  ["a dot-dot segment", raw("GET", "/teams/1/backfills/../backfills/1", ADMIN)],
  ["an escaped dot segment", raw("GET", "/teams/1/%2e/backfills/1", ADMIN)],
  ["a wrong method", raw("DELETE", "/teams/1/backfills/1", ADMIN)],
  ["another team", raw("GET", "/teams/2/backfills", ADMIN)],
  ["a page", raw("GET", "/teams/1/backfills?limit=1&status=CREATED", ADMIN)],
  ["a repeated status", raw("GET", "/teams/1/backfills?status=CREATED&status=RUNNING", ADMIN)],
  ["a bad limit", raw("GET", "/teams/1/backfills?limit=abc", ADMIN)],
  ["an unknown parameter", raw("GET", "/teams/1/backfills?colour=red", ADMIN)],
  ["the latest", raw("GET", "/teams/1/transfers/456789/backfills/latest", ADMIN)],
  ["a ledger", raw("GET", "/teams/1/backfills/1/runs", ADMIN)],
  ["a preview", raw("POST", "/teams/1/transfers/456789/backfills/preview", ADMIN, JANUARY)],
  ["a retry with nothing failed", raw("POST", "/teams/1/backfills/1/retry", ADMIN)],
  ["a body over 16 KiB", raw("POST", CREATE, ADMIN, `{"pad":"${"x".repeat(17_000)}"}`)],
  ["too many headers", raw("GET", "/teams/1/backfills/1", { ...ADMIN, ...padding(101) })],
  ["a keyed cancel", raw("PATCH", "/teams/1/backfills/1", { ...ADMIN, "Idempotency-Key": '"c-1"' }, CANCEL())],
  ["its replay", raw("PATCH", "/teams/1/backfills/1", { ...ADMIN, "Idempotency-Key": '"c-1"' }, CANCEL())],
  ["a cancel of a cancelled one", raw("PATCH", "/teams/1/backfills/1", ADMIN, CANCEL())],
  ["an overlap", raw("POST", CREATE, ADMIN, '{"range_start":"2023-03-01","range_end":"2023-03-02"}')]
]

function padding(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`X-Pad-${index}`, "1"]))
}

function CANCEL() {
  return '{"status":"CANCELLED"}'
}

/** Status and body, with what differs between any two hosts by nature (ids of requests, instants) blanked. */
const comparable = (answer: string) => {
  const [head = "", ...rest] = answer.split("\r\n\r\n")
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]
  const body = rest.join("\r\n\r\n")
  try {
    const blanked = JSON.stringify(JSON.parse(body), (key, value) =>
      key === "request_id" || key.endsWith("_time") ? (value === null ? null : "…") : value
    )
    return `${status} ${blanked}`
  } catch {
    return `${status} (not JSON) ${JSON.stringify(body.slice(0, 200))}`
  }
}

describe("every way to serve the API", () => {
  const answers = new Map<string, ReadonlyArray<string>>()

  beforeAll(async () => {
    for (const [name, start] of HOSTS) {
      const host = await start()
      try {
        const got: Array<string> = []
        for (const [, request] of REQUESTS) got.push(comparable(await sendBytes(host.url, request)))
        answers.set(name, got)
      } finally {
        await host.close()
      }
    }
  }, 300_000)

  afterAll(() => answers.clear())

  it("has answers worth comparing: every kind of status the set is meant to reach", () => {
    const statuses = new Set(answers.get("the reference host")?.map((answer) => answer.slice(0, 3)))
    expect([...statuses].sort()).toEqual(["200", "400", "401", "403", "404", "405", "409", "422"])
  })

  it.each(HOSTS.slice(1).map(([name]) => name))("%s answers as the reference host does", (name) => {
    const expected = answers.get("the reference host") ?? []
    const got = answers.get(name) ?? []
    expect(got.map((answer, index) => `${REQUESTS[index]?.[0]}: ${answer}`)).toEqual(
      expected.map((answer, index) => `${REQUESTS[index]?.[0]}: ${answer}`)
    )
  })
})
