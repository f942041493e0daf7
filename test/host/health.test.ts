/**
 * `GET /health`, the host's own route for probes: the worker's state, 503 once it keeps
 * failing, and never charged to a rate limit.
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { unavailableRepository } from "../operations/world.js"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

let healthy: RunningHost
let failing: RunningHost

beforeAll(async () => {
  ;[healthy, failing] = await Promise.all([
    startHost({ rateLimitPerHour: 2 }),
    // Every repository call fails: the worker's steps fail one after the other.
    startHost({ overrides: unavailableRepository })
  ])
}, 120_000)

afterAll(async () => {
  await healthy?.stop()
  await failing?.stop()
}, 60_000)

interface Health {
  readonly worker: {
    readonly running: boolean
    readonly last_success_time: string | null
    readonly consecutive_failures: number
  } | null
}

describe("GET /health", () => {
  it("answers 200 with the worker's state while it succeeds, and spends no quota", async () => {
    let answer = await send(healthy.url, { path: "/health" })
    for (
      let attempt = 0;
      attempt < 50 && (JSON.parse(answer.text) as Health).worker?.last_success_time == null;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      answer = await send(healthy.url, { path: "/health" })
    }
    expect(answer.status).toBe(200)
    const health = JSON.parse(answer.text) as Health
    expect(health.worker).toMatchObject({ running: true, consecutive_failures: 0 })
    expect(health.worker?.last_success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    for (let probe = 0; probe < 5; probe++) {
      const probed = await send(healthy.url, { path: "/health" })
      expect(probed.status).toBe(200)
      expect(probed.headers["x-ratelimit-remaining"]).toBeUndefined()
    }
    expect((await send(healthy.url, { path: "/teams/1/backfills", token: "demo-admin" })).status).toBe(200)
  })

  it("answers 503 once the worker's steps keep failing", async () => {
    let answer = await send(failing.url, { path: "/health" })
    for (let attempt = 0; attempt < 100 && answer.status === 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      answer = await send(failing.url, { path: "/health" })
    }
    expect(answer.status).toBe(503)
    const health = JSON.parse(answer.text) as Health
    expect(health.worker?.running).toBe(true)
    expect(health.worker?.consecutive_failures).toBeGreaterThanOrEqual(5)
  })

  it("says so when the host runs no worker", async () => {
    const apiOnly = await startHost({ worker: Option.none() })
    const answer = await send(apiOnly.url, { path: "/health" })
    await apiOnly.stop()
    expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { worker: null }])
  }, 120_000)
})
