/**
 * The framework recipes of `examples/`, each started as a user would and driven over real
 * HTTP: every endpoint, SPEC's check order with a framework in front (an invalid body
 * without a token is a 401, not the framework's 400), the next page's link, the host's
 * request id, and a clean shutdown.
 */
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startExpressHost } from "../../examples/express.js"
import { startFastifyHost } from "../../examples/fastify.js"
import { startHonoHost } from "../../examples/hono.js"
import { sendBytes } from "../host/rawHttp.js"

interface RunningRecipe {
  readonly url: string
  readonly close: () => Promise<unknown>
}

const RECIPES: ReadonlyArray<readonly [string, (port: number) => Promise<RunningRecipe>]> = [
  ["Express 5", startExpressHost],
  ["Fastify 5", startFastifyHost],
  ["Hono on @hono/node-server", startHonoHost]
]

const ADMIN = { authorization: "Bearer demo-admin" }

const exchange = async (url: string, init: RequestInit = {}) => {
  const response = await fetch(url, init)
  const text = await response.text()
  // biome-ignore lint/suspicious/noExplicitAny: the answers are read field by field and checked there
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as Record<string, any> }
}

describe.each(RECIPES)("the %s recipe", (_, start) => {
  it("serves every endpoint in SPEC's order, pages with Link, keeps the host's request id, and shuts down", async () => {
    const host = await start(0)
    try {
      const schedule = `${host.url}/teams/1/transfers/456789/backfills`
      const unauthenticated = await exchange(schedule, { method: "POST", body: "{not json" })
      expect([unauthenticated.status, unauthenticated.json.error.code]).toEqual([401, "UNAUTHORIZED"])
      const malformed = await exchange(schedule, { method: "POST", headers: ADMIN, body: "{not json" })
      expect([malformed.status, malformed.json.error.description]).toEqual([
        400,
        "The request body must be valid JSON."
      ])
      const viewer = await exchange(schedule, {
        method: "POST",
        headers: { authorization: "Bearer demo-viewer", "content-type": "application/json" },
        body: "{not json"
      })
      expect(viewer.status).toBe(403)

      const created = await exchange(schedule, {
        method: "POST",
        headers: { ...ADMIN, "content-type": "application/json", "x-request-id": "recipe-request-0001" },
        body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
      })
      expect([created.status, created.json.data.transfer_runs_total]).toEqual([200, 31])
      expect([created.headers.get("x-request-id"), created.json.meta.request_id]).toEqual([
        "recipe-request-0001",
        "recipe-request-0001"
      ])
      const keyed = {
        method: "POST",
        headers: { ...ADMIN, "idempotency-key": '"recipe-key-0001"' },
        body: '{"range_start":"2023-01-01","range_end":"2023-01-31"}'
      }
      const second = await exchange(schedule, keyed)
      expect(second.status).toBe(200)
      const replayed = await exchange(schedule, keyed)
      expect([replayed.status, replayed.json.data]).toEqual([200, second.json.data])
      const overlapping = await exchange(schedule, {
        method: "POST",
        headers: ADMIN,
        body: '{"range_start":"2024-01-15","range_end":"2024-02-15"}'
      })
      expect(overlapping.status).toBe(409)

      const firstPage = await exchange(`${host.url}/teams/1/backfills?limit=1`, { headers: ADMIN })
      expect([firstPage.status, firstPage.json.data.length, Object.keys(firstPage.json.meta)]).toEqual([
        200,
        1,
        ["request_id"]
      ])
      const link = /^<([^>]+)>; rel="next"$/.exec(firstPage.headers.get("link") ?? "")?.[1]
      const secondPage = await exchange(new URL(link ?? "", `${host.url}/teams/1/backfills?limit=1`).href, {
        headers: ADMIN
      })
      expect([secondPage.status, secondPage.json.data[0]?.transfer_backfill_id]).toEqual([200, 1])
      expect(secondPage.headers.get("link")).toBeNull()

      const latest = await exchange(`${host.url}/teams/1/transfers/456789/backfills/latest`, { headers: ADMIN })
      expect(latest.json.data.transfer_backfill_id).toBe(2)
      const one = await exchange(`${host.url}/teams/1/backfills/1`, { headers: ADMIN })
      expect(one.json.data.range_start_date).toBe("2024-01-01")
      const ledger = await exchange(`${host.url}/teams/1/backfills/1/runs?status=failed`, { headers: ADMIN })
      expect([ledger.status, ledger.json.data]).toEqual([200, []])
      const retry = await exchange(`${host.url}/teams/1/backfills/1/retry`, { method: "POST", headers: ADMIN })
      expect([retry.status, retry.json.error.description]).toEqual([422, "Backfill 1 has no failed days to retry."])
      const cancelled = await exchange(`${host.url}/teams/1/backfills/1`, {
        method: "PATCH",
        headers: ADMIN,
        body: '{"status":"CANCELLED"}'
      })
      expect([cancelled.status, cancelled.json.data.status]).toEqual([200, "CANCELLED"])
      const badPath = await exchange(`${host.url}/teams/1/backfills/01`, { headers: ADMIN })
      expect([badPath.status, badPath.json.error.code]).toEqual([400, "BAD_REQUEST"])
      const wrongMethod = await exchange(`${host.url}/teams/1/backfills/1`, { method: "DELETE", headers: ADMIN })
      expect([wrongMethod.status, wrongMethod.json.error.code, wrongMethod.headers.get("allow")]).toEqual([
        405,
        "METHOD_NOT_ALLOWED",
        "GET, PATCH"
      ])
      const nowhere = await exchange(`${host.url}/nowhere`, { headers: ADMIN })
      expect([nowhere.status, nowhere.json.error.code]).toEqual([404, "NOT_FOUND"])
    } finally {
      await host.close()
    }
    await expect(fetch(`${host.url}/teams/1/backfills`)).rejects.toThrow()
  })
})

describe("the recipes' limits", () => {
  const hosts = new Map<string, RunningRecipe>()
  beforeAll(async () => {
    for (const [name, start] of RECIPES) hosts.set(name, await start(0))
  })
  afterAll(() => Promise.all([...hosts.values()].map((host) => host.close())))

  const padding = (count: number) => Array.from({ length: count }, () => "X-Pad: 1\r\n").join("")
  const body = '{"range_start":"2022-01-01","range_end":"2022-01-02"}'
  const create = (url: string, before: string, after: string) =>
    sendBytes(
      url,
      `POST /teams/1/transfers/456789/backfills HTTP/1.1\r\nHost: x\r\n${before}${after}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
    )
  const expectTooManyHeaders = (answer: string) => {
    const [head = "", envelope = "{}"] = answer.split("\r\n\r\n")
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(envelope).error).toEqual(
      expect.objectContaining({ code: "BAD_REQUEST", description: "The request must not carry more than 100 headers." })
    )
  }

  it.concurrent.each(RECIPES)(
    "%s refuses 1,100 headers before Idempotency-Key or Authorization with the 400, never dropping either",
    async (name) => {
      const url = hosts.get(name)?.url ?? ""
      const keyed = 'Authorization: Bearer demo-admin\r\nIdempotency-Key: "recipe-padded"\r\n'
      expectTooManyHeaders(await create(url, padding(1100), keyed))
      expectTooManyHeaders(await create(url, padding(1100), keyed))
      expectTooManyHeaders(await create(url, padding(1100), "Authorization: Bearer demo-admin\r\n"))
      // Nothing was created: the same request, read whole, is the first of its range.
      expect(await create(url, "", keyed)).toMatch(/^HTTP\/1\.1 200 /)
    }
  )

  it.concurrent.each(RECIPES)(
    "%s closes a socket that sends nothing within 15 s",
    async (name) => {
      const { hostname, port } = new URL(hosts.get(name)?.url ?? "")
      const opened = Date.now()
      const socket = connect({ host: hostname, port: Number(port) })
      socket.on("error", () => undefined)
      // Read, or the end the server sends would never be seen.
      socket.resume()
      await new Promise((resolve) => socket.on("close", resolve))
      expect(Date.now() - opened).toBeGreaterThanOrEqual(9_000)
      expect(Date.now() - opened).toBeLessThan(15_000)
    },
    30_000
  )
})
