/**
 * The reference host's admin port: `/metrics` counts what a scripted lifecycle did
 * (schedules, a cancel, a worker completing some backfills and failing days of others, a
 * rate-limited caller), as the public API reports it afterwards; `/healthz` and `/readyz`
 * answer; nothing else is served there.
 */
import { Duration, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

let host: RunningHost
let limited: RunningHost

beforeAll(async () => {
  ;[host, limited] = await Promise.all([
    // Half the days fail: over twelve one-day backfills, some complete and some fail.
    startHost({ worker: Option.some({ dayDuration: Duration.millis(2), failureRate: 0.5 }) }),
    startHost({ rateLimitPerHour: 2, worker: Option.none() })
  ])
}, 120_000)

afterAll(async () => {
  await host?.stop()
  await limited?.stop()
}, 60_000)

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Prometheus' text format, sample by sample. */
const samples = (text: string): ReadonlyArray<Sample> =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const parsed = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line)
      if (parsed === null) throw new Error(`not a sample: ${line}`)
      const labels = Object.fromEntries(
        [...(parsed[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v])
      )
      return { name: parsed[1] ?? "", labels, value: Number(parsed[3]) }
    })

/** The sum of the samples of `name` whose labels include `labels`. */
const sampled = (all: ReadonlyArray<Sample>, name: string, labels: Readonly<Record<string, string>> = {}) =>
  all
    .filter((sample) => sample.name === name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0)

const scrape = async (admin: string) => {
  const answer = await send(admin, { path: "/metrics" })
  expect(answer.status).toBe(200)
  expect(answer.headers["content-type"]).toMatch(/^text\/plain/)
  return samples(answer.text)
}

const schedule = (start: string, end: string) =>
  send(host.url, {
    method: "POST",
    path: "/teams/1/transfers/456789/backfills",
    token: "demo-admin",
    body: JSON.stringify({ range_start: start, range_end: end })
  })

interface WireBackfill {
  readonly transfer_backfill_id: number
  readonly status: string
  readonly start_time: string | null
  readonly transfer_runs_completed: number
  readonly transfer_runs_failed: number
}

const allBackfills = async (status: string): Promise<ReadonlyArray<WireBackfill>> => {
  const answer = await send(host.url, { path: `/teams/1/backfills?status=${status}&limit=100`, token: "demo-admin" })
  expect(answer.status, answer.text).toBe(200)
  return (JSON.parse(answer.text) as { data: ReadonlyArray<WireBackfill> }).data
}

describe("the admin port", () => {
  it("counts what a scripted lifecycle did, as the API reports it afterwards", async () => {
    const cancelled = await schedule("2023-01-01", "2023-10-31")
    expect(cancelled.status, cancelled.text).toBe(200)
    const cancelledId = (JSON.parse(cancelled.text) as { data: WireBackfill }).data.transfer_backfill_id
    const cancel = await send(host.url, {
      method: "PATCH",
      path: `/teams/1/backfills/${cancelledId}`,
      token: "demo-admin",
      body: '{"status":"CANCELLED"}'
    })
    expect(cancel.status, cancel.text).toBe(200)
    for (let day = 1; day <= 12; day++) {
      const date = `2024-01-${String(day).padStart(2, "0")}`
      expect((await schedule(date, date)).status).toBe(200)
    }
    let withWork = await allBackfills("CREATED,SCHEDULED,RUNNING")
    for (let attempt = 0; attempt < 600 && withWork.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      withWork = await allBackfills("CREATED,SCHEDULED,RUNNING")
    }
    expect(withWork).toEqual([])

    const ended = await allBackfills("COMPLETED,FAILED,CANCELLED")
    const count = (status: string) => ended.filter((backfill) => backfill.status === status).length
    expect(count("COMPLETED")).toBeGreaterThan(0)
    expect(count("FAILED")).toBeGreaterThan(0)
    const metrics = await scrape(host.adminUrl)
    expect(sampled(metrics, "backfill_scheduled_total")).toBe(13)
    expect(sampled(metrics, "backfill_cancelled_total")).toBe(1)
    for (const status of ["COMPLETED", "FAILED", "CANCELLED"])
      expect(sampled(metrics, "backfill_finished_total", { backfill_status: status }), status).toBe(count(status))
    const days = (field: "transfer_runs_completed" | "transfer_runs_failed") =>
      ended.reduce((sum, backfill) => sum + backfill[field], 0)
    expect(sampled(metrics, "backfill_day_finished_total", { backfill_day_outcome: "completed" })).toBe(
      days("transfer_runs_completed")
    )
    expect(sampled(metrics, "backfill_day_finished_total", { backfill_day_outcome: "failed" })).toBe(
      days("transfer_runs_failed")
    )
    expect(sampled(metrics, "backfill_day_duration_count")).toBe(
      days("transfer_runs_completed") + days("transfer_runs_failed")
    )
    // Once per backfill whose first day started.
    expect(sampled(metrics, "backfill_wait_duration_count")).toBe(
      ended.filter((backfill) => backfill.start_time !== null).length
    )
    expect(
      sampled(metrics, "http_server_request_duration_count", {
        http_request_method: "POST",
        http_route: "/teams/:team_id/transfers/:transfer_id/backfills",
        http_response_status_code: "200"
      })
    ).toBe(13)
    expect(sampled(metrics, "backfill_count")).toBe(0)
    expect(sampled(metrics, "backfill_day_pending")).toBe(0)
    expect(sampled(metrics, "backfill_day_running")).toBe(0)
    expect(metrics.some((sample) => "unit" in sample.labels)).toBe(false)
  }, 120_000)

  it("counts the requests refused for their rate limit", async () => {
    const answers = []
    for (let request = 0; request < 4; request++)
      answers.push((await send(limited.url, { path: "/teams/1/backfills", token: "demo-viewer" })).status)
    expect(answers).toEqual([200, 200, 429, 429])
    expect(sampled(await scrape(limited.adminUrl), "backfill_request_rate_limited_total")).toBe(2)
  }, 60_000)

  it("answers /healthz and /readyz, and nothing else", async () => {
    const alive = await send(limited.adminUrl, { path: "/healthz" })
    expect([alive.status, JSON.parse(alive.text)]).toEqual([200, { status: "alive" }])
    const ready = await send(limited.adminUrl, { path: "/readyz" })
    expect(ready.status, ready.text).toBe(200)
    expect(JSON.parse(ready.text)).toMatchObject({
      ready: true,
      checks: { database: { ok: true }, migrations: { ok: true } }
    })
    expect(JSON.parse(ready.text).checks.worker).toBeUndefined()
    expect((await send(limited.adminUrl, { path: "/teams/1/backfills", token: "demo-admin" })).status).toBe(404)
    expect((await send(limited.adminUrl, { method: "POST", path: "/metrics" })).status).toBe(404)
  }, 60_000)
})
