/**
 * The reference host over real HTTP: every endpoint, every error of the seed page, the
 * worker taking a backfill to completion, and every response checked against the
 * OpenAPI document the host serves.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { Duration, Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TransferLookup } from "../../src/ports/transferLookup.js"
import { SEED_ERROR_BODIES, SEED_SCHEDULE_REQUEST_BODY, SEED_SCHEDULE_RESPONSE_BODY } from "../fixtures/seed.js"
import { type RunningHost, startHost } from "./startHost.js"

interface Received {
  readonly template: string
  readonly method: string
  readonly status: number
  readonly json: unknown
}

const received: Array<Received> = []

let host: RunningHost
let faulty: RunningHost
let failing: RunningHost

beforeAll(async () => {
  host = await startHost()
  // Three requests an hour per caller, and a transfer lookup that breaks on transfer 999999.
  faulty = await startHost({
    rateLimitPerHour: 3,
    overrides: Layer.succeed(TransferLookup, {
      findTeamTransfer: (_, id) =>
        id === 999999n ? Effect.die(new Error("lookup exploded: secret=42")) : Effect.succeedNone
    })
  })
  // A worker whose every transfer run fails: backfills end FAILED, to be retried.
  failing = await startHost({ worker: Option.some({ dayDuration: Duration.millis(2), failureRate: 1 }) })
}, 120_000)

afterAll(async () => {
  await host?.stop()
  await faulty?.stop()
  await failing?.stop()
}, 60_000)

interface Call {
  readonly template: string
  readonly path?: string
  readonly method?: string
  readonly token?: string
  readonly body?: string
  readonly headers?: Record<string, string>
  readonly on?: RunningHost
}

/** One real request; the response is kept for the OpenAPI check at the end. */
const call = async ({ template, path = template, method = "GET", token, body, headers = {}, on = host }: Call) => {
  const response = await fetch(`${on.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers
    },
    ...(body === undefined ? {} : { body })
  })
  const text = await response.text()
  const json = JSON.parse(text) as {
    meta: { request_id: string }
    data: Record<string, unknown> & Array<Record<string, unknown>>
    error: { code: string; message: string; description?: string }
  }
  received.push({ template, method, status: response.status, json })
  return { status: response.status, headers: response.headers, json, text }
}

const SCHEDULE = "/teams/{team_id}/transfers/{transfer_id}/backfills"
const GET = "/teams/{team_id}/backfills/{backfill_id}"
const LATEST = "/teams/{team_id}/transfers/{transfer_id}/backfills/latest"
const LIST = "/teams/{team_id}/backfills"
const PREVIEW = "/teams/{team_id}/transfers/{transfer_id}/backfills/preview"
const RETRY = "/teams/{team_id}/backfills/{backfill_id}/retry"
const RUNS = "/teams/{team_id}/backfills/{backfill_id}/runs"

const schedule = (start: string, end: string, options: Partial<Call> = {}) =>
  call({
    template: SCHEDULE,
    path: "/teams/1/transfers/456789/backfills",
    method: "POST",
    token: "demo-admin",
    body: JSON.stringify({ range_start: start, range_end: end }),
    ...options
  })

const seedError = (status: keyof typeof SEED_ERROR_BODIES) =>
  JSON.parse(SEED_ERROR_BODIES[status]) as { meta: object; error: { code: string; message: string } }

/** An error body has the seed's keys and values, its description aside. */
const expectSeedShape = (
  json: { meta: object; error: { code: string; message: string; description?: string } },
  status: keyof typeof SEED_ERROR_BODIES
) => {
  const seed = seedError(status)
  expect(Object.keys(json)).toEqual(Object.keys(seed))
  expect(Object.keys(json.meta)).toEqual(Object.keys(seed.meta))
  expect(json.error.code).toBe(seed.error.code)
  expect(json.error.message).toBe(seed.error.message)
  expect(Object.keys(json.error).filter((key) => key !== "description")).toEqual(Object.keys(seed.error))
}

describe("the reference host", () => {
  it("schedules the seed's backfill with the seed's answer, ids, times and request id aside", async () => {
    const response = await call({
      template: SCHEDULE,
      path: "/teams/1/transfers/456789/backfills",
      method: "POST",
      token: "demo-admin",
      body: SEED_SCHEDULE_REQUEST_BODY
    })
    const seed = JSON.parse(SEED_SCHEDULE_RESPONSE_BODY) as { meta: object; data: Record<string, unknown> }
    expect(response.status).toBe(200)
    expect(Object.keys(response.json)).toEqual(["meta", "data"])
    expect(Object.keys(response.json.data)).toEqual(Object.keys(seed.data))
    const { transfer_backfill_id, created_time, ...rest } = response.json.data
    const { transfer_backfill_id: _, created_time: __, ...seedRest } = seed.data
    expect(rest).toEqual(seedRest)
    expect(typeof transfer_backfill_id).toBe("number")
    expect(created_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(response.headers.get("x-request-id")).toBe(response.json.meta.request_id)
    expect(response.headers.get("x-ratelimit-limit")).toBe("5000")
    expect(Number(response.headers.get("x-ratelimit-remaining"))).toBeLessThan(5000)
  })

  it("reuses a valid incoming X-Request-Id and replaces an invalid one", async () => {
    const kept = await call({
      template: LIST,
      path: "/teams/1/backfills",
      token: "demo-viewer",
      headers: { "x-request-id": "trace-0123456789" }
    })
    expect(kept.json.meta.request_id).toBe("trace-0123456789")
    expect(kept.headers.get("x-request-id")).toBe("trace-0123456789")
    const replaced = await call({
      template: LIST,
      path: "/teams/1/backfills",
      token: "demo-viewer",
      headers: { "x-request-id": "bad id" }
    })
    expect(replaced.json.meta.request_id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-7/)
  })

  it("answers 409 for an overlapping range, naming the active backfill", async () => {
    const response = await schedule("2024-01-15", "2024-02-15")
    expect(response.status).toBe(409)
    expect(response.json.error.code).toBe("CONFLICT_ERROR")
    expect(response.json.error.description).toMatch(
      /^The range overlaps active backfill \d+ \(2024-01-01 to 2024-01-31, status \w+\) on 17 days, 2024-01-15 to 2024-01-31\.$/
    )
  })

  it("previews a schedule without writing it: the runs newest first and the active backfill in the way", async () => {
    const preview = (body: string) =>
      call({
        template: PREVIEW,
        path: "/teams/1/transfers/456789/backfills/preview",
        method: "POST",
        token: "demo-admin",
        body
      })
    const future = await preview('{"range_start":"2018-01-01","range_end":"9999-12-31"}')
    expect([future.status, future.json.error.code]).toEqual([422, "UNPROCESSABLE_ENTITY"])
    // A year of days keeps the host's worker busy for longer than the preview takes.
    const blocker = await schedule("2018-01-01", "2018-12-31")
    expect(blocker.status).toBe(200)
    const plan = await preview('{"range_start":"2018-12-20","range_end":"2019-01-10"}')
    expect(plan.status).toBe(200)
    const data = plan.json.data as unknown as {
      transfer_runs_total: number
      first_run_dates: Array<string>
      conflicts: Array<Record<string, unknown>>
    }
    expect([data.transfer_runs_total, data.first_run_dates[0]]).toEqual([22, "2019-01-10"])
    expect(data.conflicts).toEqual([
      expect.objectContaining({
        transfer_backfill_id: blocker.json.data.transfer_backfill_id,
        overlapping_start_date: "2018-12-20",
        overlapping_end_date: "2018-12-31",
        overlapping_days: 12
      })
    ])
  })

  it("answers 400 with the seed's shape for a bad path parameter", async () => {
    const response = await call({ template: GET, path: "/teams/1/backfills/abc", token: "demo-admin" })
    expect(response.status).toBe(400)
    expectSeedShape(response.json, 400)
    expect(response.json.error.description).toMatch(/^Path parameter backfill_id/)
  })

  it("answers 400 for a body over 16 KiB without reading it all", async () => {
    const response = await schedule("2024-03-01", "2024-03-02", { body: `{"range_start":"${"x".repeat(64 * 1024)}"}` })
    expect(response.status).toBe(400)
    expect(response.json.error.description).toBe("The request body must not exceed 16384 bytes.")
  })

  it("answers 401 with the seed's shape and a Bearer challenge", async () => {
    const response = await call({ template: LIST, path: "/teams/1/backfills" })
    expect(response.status).toBe(401)
    expectSeedShape(response.json, 401)
    expect(response.headers.get("www-authenticate")).toBe("Bearer")
  })

  it("answers 403 with the seed's shape for a read-only token that schedules", async () => {
    const response = await schedule("2024-03-01", "2024-03-02", { token: "demo-viewer" })
    expect(response.status).toBe(403)
    expectSeedShape(response.json, 403)
    expect((await schedule("2024-03-01", "2024-03-02", { token: "demo-noperm" })).json.error.code).toBe(
      "PERMISSION_ERROR"
    )
  })

  it("answers 404 exactly as the seed does, for a missing transfer and for another team's", async () => {
    const missing = await schedule("2024-03-01", "2024-03-02", { path: "/teams/1/transfers/999/backfills" })
    const foreign = await schedule("2024-03-01", "2024-03-02", {
      path: "/teams/2/transfers/456789/backfills",
      token: "demo-team2"
    })
    for (const response of [missing, foreign]) {
      expect(response.status).toBe(404)
      expect(response.json.error).toEqual(seedError(404).error)
    }
  })

  it("answers 422 with the seed's shape for 2024-02-30", async () => {
    const response = await schedule("2024-02-30", "2024-03-01")
    expect(response.status).toBe(422)
    expectSeedShape(response.json, 422)
  })

  it("answers 429 with the seed's shape and Retry-After past the hourly limit", async () => {
    const statuses: Array<number> = []
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await call({ template: LIST, path: "/teams/1/backfills", token: "demo-viewer", on: faulty })
      statuses.push(response.status)
      if (response.status === 429) {
        expectSeedShape(response.json, 429)
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0)
        expect(response.headers.get("x-ratelimit-remaining")).toBe("0")
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  it("answers 500 with the seed's exact body when a port breaks, leaking nothing", async () => {
    const response = await schedule("2024-03-01", "2024-03-02", {
      path: "/teams/1/transfers/999999/backfills",
      token: "demo-admin",
      on: faulty
    })
    expect(response.status).toBe(500)
    expect(response.json.error).toEqual(seedError(500).error)
    expect(response.text).not.toMatch(/secret|exploded/)
  })

  it("answers unknown routes and wrong methods with envelopes", async () => {
    const unknown = await call({ template: "", path: "/nowhere", token: "demo-admin" })
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "NOT_FOUND"])
    const wrong = await call({ template: "", path: "/teams/1/backfills", method: "DELETE", token: "demo-admin" })
    expect([wrong.status, wrong.json.error.code]).toEqual([405, "METHOD_NOT_ALLOWED"])
    expect(wrong.headers.get("allow")).toBe("GET")
  })

  it("lists, reads the latest, processes the seed's backfill to COMPLETED 31/31/31/0, and cancels", async () => {
    const created = await schedule("2023-06-01", "2023-06-03")
    const id = created.json.data.transfer_backfill_id as number
    const latest = await call({
      template: LATEST,
      path: "/teams/1/transfers/456789/backfills/latest",
      token: "demo-viewer"
    })
    expect(latest.json.data.transfer_backfill_id).toBe(id)
    const firstPage = await call({
      template: LIST,
      path: "/teams/1/backfills?limit=1&status=CREATED,SCHEDULED,RUNNING,COMPLETED",
      token: "demo-viewer"
    })
    expect(firstPage.json.data).toHaveLength(1)
    expect(Object.keys(firstPage.json.meta)).toEqual(["request_id"])
    const link = /^<([^>]+)>; rel="next"$/.exec(firstPage.headers.get("link") ?? "")?.[1]
    const nextUrl = new URL(
      link ?? "",
      `${host.url}/teams/1/backfills?limit=1&status=CREATED,SCHEDULED,RUNNING,COMPLETED`
    )
    const secondPage = await call({
      template: LIST,
      path: `${nextUrl.pathname}${nextUrl.search}`,
      token: "demo-viewer"
    })
    expect(secondPage.status).toBe(200)
    expect(secondPage.json.data[0]?.transfer_backfill_id).not.toBe(firstPage.json.data[0]?.transfer_backfill_id)

    const seedId = await (async () => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const page = await call({ template: LIST, path: "/teams/1/backfills?status=COMPLETED", token: "demo-viewer" })
        const done = page.json.data.find((backfill) => backfill.range_start_date === "2024-01-01")
        if (done !== undefined) return done
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return undefined
    })()
    expect(seedId).toMatchObject({
      status: "COMPLETED",
      transfer_runs_total: 31,
      transfer_runs_created: 31,
      transfer_runs_completed: 31,
      transfer_runs_failed: 0
    })

    const fresh = await schedule("2022-01-01", "2022-12-31")
    const freshId = fresh.json.data.transfer_backfill_id as number
    const cancel = await call({
      template: GET,
      path: `/teams/1/backfills/${freshId}`,
      method: "PATCH",
      token: "demo-admin",
      body: '{"status":"CANCELLED"}'
    })
    expect(cancel.status).toBe(200)
    expect(cancel.json.data).toMatchObject({ status: "CANCELLED", removed_user_id: 789 })
    const again = await call({
      template: GET,
      path: `/teams/1/backfills/${freshId}`,
      method: "PATCH",
      token: "demo-admin",
      body: '{"status":"CANCELLED"}'
    })
    expect(again.status).toBe(422)
    const read = await call({ template: GET, path: `/teams/1/backfills/${freshId}`, token: "demo-viewer" })
    expect(read.json.data.status).toBe("CANCELLED")
  }, 60_000)

  it("replays a keyed create, shows the ledger of a failed backfill and retries it in place", async () => {
    const key = { "idempotency-key": '"e2e-create-0001"' }
    const first = await schedule("2021-03-01", "2021-03-03", { on: failing, headers: key })
    const replay = await schedule("2021-03-01", "2021-03-03", { on: failing, headers: key })
    expect([first.status, replay.status]).toEqual([200, 200])
    expect(replay.json.data).toEqual(first.json.data)
    expect(replay.json.meta.request_id).not.toBe(first.json.meta.request_id)
    const reused = await schedule("2021-04-01", "2021-04-03", { on: failing, headers: key })
    expect([reused.status, reused.json.error.code]).toEqual([422, "DUPLICATION_FAILED"])
    const badKey = await schedule("2021-04-01", "2021-04-03", {
      on: failing,
      headers: { "idempotency-key": "two words" }
    })
    expect(badKey.status).toBe(400)

    const id = first.json.data.transfer_backfill_id as number
    const ledger = (query = "") =>
      call({ template: RUNS, path: `/teams/1/backfills/${id}/runs${query}`, token: "demo-viewer", on: failing })
    const until = async (done: (runs: Array<Record<string, unknown>>) => boolean) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const page = await ledger()
        if (done(page.json.data)) return page.json.data
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error("the worker did not get there")
    }
    const failedRuns = await until((runs) => runs.length === 3 && runs.every((run) => run.status === "failed"))
    expect(failedRuns.map((run) => [run.transfer_run_date, run.attempts])).toEqual([
      ["2021-03-03", 1],
      ["2021-03-02", 1],
      ["2021-03-01", 1]
    ])
    expect(failedRuns[0]?.error).toBe("Simulated failure of the transfer run for 2021-03-03")
    const paged = await ledger("?status=failed&limit=2")
    expect(paged.json.data).toHaveLength(2)
    expect(paged.headers.get("link")).toMatch(/^<\?status=failed&limit=2&cursor=[^>]+>; rel="next"$/)

    const retryOnce = { "idempotency-key": "e2e-retry-0001" }
    const retry = (body: string | undefined, headers: Record<string, string> = retryOnce) =>
      call({
        template: RETRY,
        path: `/teams/1/backfills/${id}/retry`,
        method: "POST",
        token: "demo-admin",
        on: failing,
        headers,
        ...(body === undefined ? {} : { body })
      })
    const notFailed = await retry('{"days":["2021-03-04"]}', {})
    expect([notFailed.status, notFailed.json.error.description]).toEqual([
      422,
      `Day 2021-03-04 has not failed in backfill ${id}; only failed days can be retried.`
    ])
    const retried = await retry(undefined)
    expect(retried.status).toBe(200)
    expect(retried.json.data).toMatchObject({
      status: "SCHEDULED",
      transfer_runs_failed: 0,
      error_report: [],
      end_time: null
    })
    expect((await retry(undefined)).json.data).toEqual(retried.json.data)
    const again = await until((runs) => runs.every((run) => run.status === "failed" && run.attempts === 2))
    expect(again).toHaveLength(3)
  }, 60_000)

  it("serves an OpenAPI 3.1 document that every response received here conforms to", async () => {
    const document = (await (await fetch(`${host.url}/openapi.json`)).json()) as {
      openapi: string
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }
    expect(document.openapi).toMatch(/^3\.1\./)
    const validation = await new Validator().validate(document as never)
    expect(validation.errors ?? []).toEqual([])
    expect(validation.valid).toBe(true)
    expect(Object.keys(document.paths).sort()).toEqual([LIST, GET, SCHEDULE, LATEST, PREVIEW, RETRY, RUNS].sort())

    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(ajv)
    ajv.addFormat("int64", true)
    ajv.addSchema(document, "openapi.json")
    const pointer = (...parts: Array<string>) =>
      parts.map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")
    const checked = received.filter((response) => response.template !== "")
    expect(checked.length).toBeGreaterThan(20)
    for (const response of checked) {
      const operation = document.paths[response.template]?.[response.method.toLowerCase()]
      expect(operation, `${response.method} ${response.template}`).toBeDefined()
      expect(Object.keys(operation?.responses ?? {}), `${response.method} ${response.template}`).toContain(
        String(response.status)
      )
      const validate = ajv.getSchema(
        `openapi.json#/${pointer("paths", response.template, response.method.toLowerCase(), "responses", String(response.status), "content", "application/json", "schema")}`
      )
      expect(
        validate?.(response.json),
        `${response.method} ${response.template} ${response.status}: ${JSON.stringify(validate?.errors)}`
      ).toBe(true)
    }
  })
})
