/**
 * The reference host against what an attacker or a broken client sends: paths no router
 * should guess about, bodies built to crash a parser, requests given up halfway, bytes
 * that are not HTTP. Every answer is an envelope with a request id, and nothing of it is
 * logged as a defect.
 */
import { Cause, FastCheck as fc, Logger, LogLevel, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { envelopeOf, type RawResponse, send, sendBytes } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

interface LogLine {
  readonly level: string
  readonly message: string
}

const logged: Array<LogLine> = []
let host: RunningHost

beforeAll(async () => {
  host = await startHost({
    // No worker: nothing but the requests of these tests may log.
    worker: Option.none(),
    minimumLogLevel: LogLevel.Debug,
    logger: Logger.make(({ logLevel, message, cause }) => {
      logged.push({ level: logLevel.label, message: `${String(message)} ${Cause.pretty(cause)}` })
    })
  })
}, 120_000)

afterAll(() => host?.stop(), 60_000)

const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/

/** An envelope with a request id, as SPEC §5 has it, whose code is `code`. */
const expectEnvelope = (response: RawResponse, status: number, code: string) => {
  expect(response.status, response.text).toBe(status)
  const envelope = envelopeOf(response)
  expect(envelope.meta.request_id).toMatch(REQUEST_ID)
  expect(response.headers["x-request-id"]).toBe(envelope.meta.request_id)
  expect(envelope.error?.code).toBe(code)
  return envelope
}

const defects = () => logged.filter((line) => line.level === "ERROR" || line.level === "FATAL")

/** What was logged above debug level since `index`. */
const loggedAboveDebug = (index: number) => logged.slice(index).filter((line) => line.level !== "DEBUG")

describe("the reference host, with hostile paths", () => {
  const malformedIds = [
    ["/teams/1/backfills/%ff", "backfill_id"],
    [`/teams/1/backfills/${"9".repeat(101)}`, "backfill_id"],
    ["/teams/1/backfills/%C0%AF", "backfill_id"],
    ["/teams/1/backfills/%", "backfill_id"],
    ["/teams/1/backfills/1%2F2", "backfill_id"],
    ["/teams/1;x/backfills", "team_id"],
    ["/teams/%31/backfills", "team_id"]
  ] as const

  it.each(malformedIds)("answers %s with 401 without a token, and a 400 naming %s with one", async (path, name) => {
    expectEnvelope(await send(host.url, { path }), 401, "UNAUTHORIZED")
    const envelope = expectEnvelope(await send(host.url, { path, token: "demo-admin" }), 400, "BAD_REQUEST")
    expect(envelope.error?.description).toMatch(new RegExp(`^Path parameter ${name} must be a canonical decimal`))
  })

  it("refuses a path with dot segments instead of resolving it into another team's", async () => {
    for (const path of ["/teams/2/../1/backfills", "/teams/1/./backfills", "/teams/2/%2e%2e/1/backfills"]) {
      const envelope = expectEnvelope(await send(host.url, { path, token: "demo-admin" }), 400, "BAD_REQUEST")
      expect(envelope.error?.description).toBe("The request path must not contain . or .. segments.")
    }
  })

  it("cancels nothing for a PATCH whose id carries parameters after ;", async () => {
    const created = await send(host.url, {
      method: "POST",
      path: "/teams/1/transfers/456790/backfills",
      token: "demo-admin",
      body: '{"range_start":"2021-01-01","range_end":"2021-01-02"}'
    })
    const id = String((envelopeOf(created).data as { transfer_backfill_id: number }).transfer_backfill_id)
    const patched = await send(host.url, {
      method: "PATCH",
      path: `/teams/1/backfills/${id};foo=bar`,
      token: "demo-admin",
      body: '{"status":"CANCELLED"}'
    })
    expectEnvelope(patched, 400, "BAD_REQUEST")
    const read = await send(host.url, { path: `/teams/1/backfills/${id}`, token: "demo-admin" })
    expect((envelopeOf(read).data as { status: string }).status).not.toBe("CANCELLED")
  })

  it("answers unknown routes with the NOT_FOUND envelope, logging nothing", async () => {
    const before = logged.length
    for (const path of ["/", "/teams", "/teams/1/backfills/", "/teams//backfills", "/nowhere?x=%zz"]) {
      expectEnvelope(await send(host.url, { path, token: "demo-admin" }), 404, "NOT_FOUND")
    }
    expect(loggedAboveDebug(before)).toEqual([])
  })
})

describe("the reference host, with hostile bodies", () => {
  const deep = `${"[".repeat(8000)}${"]".repeat(8000)}`

  it("answers 400 to JSON nested 8,000 deep on POST and PATCH, whole or in a field", async () => {
    for (const body of [deep, `{"range_start":${deep},"range_end":"2024-01-01"}`]) {
      const posted = await send(host.url, {
        method: "POST",
        path: "/teams/1/transfers/456789/backfills",
        token: "demo-admin",
        body
      })
      expectEnvelope(posted, 400, "BAD_REQUEST")
    }
    for (const body of [deep, `{"status":${deep}}`]) {
      const patched = await send(host.url, { method: "PATCH", path: "/teams/1/backfills/1", token: "demo-admin", body })
      expect([400, 404]).toContain(patched.status)
      expect(envelopeOf(patched).meta.request_id).toMatch(REQUEST_ID)
    }
    expect(defects()).toEqual([])
  })

  it("answers 422 to year 0000, which PostgreSQL has no date for", async () => {
    const response = await send(host.url, {
      method: "POST",
      path: "/teams/1/transfers/456789/backfills",
      token: "demo-admin",
      body: '{"range_start":"0000-01-01","range_end":"0000-01-01"}'
    })
    const envelope = expectEnvelope(response, 422, "UNPROCESSABLE_ENTITY")
    expect(envelope.error?.description).toMatch(/must be between 0001-01-01 and 9999-12-31/)
  })

  it("answers bytes that are not HTTP with a 400 envelope", async () => {
    const answer = await sendBytes(host.url, "NOT HTTP AT ALL\r\n\r\n")
    const [head = "", body = ""] = answer.split("\r\n\r\n")
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    const envelope = JSON.parse(body) as { meta: { request_id: string }; error: { code: string } }
    expect(envelope.meta.request_id).toMatch(REQUEST_ID)
    expect(envelope.error.code).toBe("BAD_REQUEST")
  })

  it("logs a client that goes away mid-request at debug level, without a dump", async () => {
    const before = logged.length
    const controller = new AbortController()
    const url = new URL(host.url)
    const { request } = await import("node:http")
    await new Promise<void>((resolve) => {
      const outgoing = request({
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/teams/1/transfers/456789/backfills",
        headers: { authorization: "Bearer demo-admin", "content-length": "1000" },
        signal: controller.signal
      })
      outgoing.on("error", () => resolve())
      outgoing.write('{"range_start":')
      setTimeout(() => controller.abort(), 200)
    })
    for (let waited = 0; waited < 100; waited++) {
      if (logged.slice(before).some((line) => line.message.startsWith("The client closed the request"))) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(logged.slice(before).filter((line) => line.message.startsWith("The client closed the request"))).toEqual([
      { level: "DEBUG", message: expect.stringContaining("The client closed the request before its answer") }
    ])
    expect(loggedAboveDebug(before)).toEqual([])
  })
})

describe("the reference host under fuzzed requests", () => {
  const segment = fc.oneof(
    fc.constantFrom("teams", "transfers", "backfills", "latest", "1", "2", "456789", "", ".", "..", ";", "%", "%2F"),
    fc.stringMatching(/^[A-Za-z0-9%;.:@!$&'()*+,=~_-]{1,30}$/),
    fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, "0")}`),
    fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String)
  )
  const rawPath = fc
    .tuple(fc.array(segment, { maxLength: 7 }), fc.option(fc.stringMatching(/^[A-Za-z0-9%=&,_-]{0,40}$/)))
    .map(([segments, query]) => `/${segments.join("/")}${query === null ? "" : `?${query}`}`)
    // The host's own routes answer outside the API's envelopes.
    .filter((path) => !/^\/(health|openapi\.json)(\?|$)/.test(path))
  const body = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 6 }),
    fc.integer({ min: 1, max: 5000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
    fc.record({ range_start: fc.string(), range_end: fc.string() }).map((value) => JSON.stringify(value))
  )

  it("always answers with an envelope and a request id, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE"),
        rawPath,
        fc.option(fc.constantFrom("demo-admin", "demo-viewer", "demo-team2", "not-a-token"), { nil: undefined }),
        body,
        async (method, path, token, payload) => {
          const response = await send(host.url, {
            method,
            path,
            ...(token === undefined ? {} : { token }),
            ...(payload === undefined || method === "GET" ? {} : { body: payload })
          })
          expect(response.status, `${method} ${path}`).not.toBe(500)
          const envelope = envelopeOf(response)
          expect(envelope.meta.request_id).toMatch(REQUEST_ID)
          expect(envelope.error === undefined).toBe(envelope.data !== undefined)
        }
      ),
      { numRuns: 400 }
    )
    expect(defects()).toEqual([])
  })
})
