/**
 * What `npm start` prints, with every log on: a JSON line per log, and never a bearer
 * token or the cursor secret, whatever callers send and however the worker's days end.
 */
import { describe, expect, it } from "vitest"
import { DEMO_TOKENS } from "../../src/host/demo.js"
import { startHostProcess } from "./hostProcess.js"
import { send } from "./rawHttp.js"

const CURSOR_SECRET = "cursor-secret-that-no-log-line-may-ever-show-4d1c"
/** A token no one holds; a caller's mistyped token is a secret all the same. */
const WRONG_TOKEN = "wrong-token-8f3e2a"
const SECRETS = [...Object.keys(DEMO_TOKENS), CURSOR_SECRET, WRONG_TOKEN]

/** The welcome lists the demo tokens on purpose, for the person who ran `npm start`. */
const BANNER = /transfer-backfills reference host listening on [\s\S]*?Stop: {7}Ctrl-C\n/g

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Drives every endpoint with every demo token, and the requests an attacker or a mistake sends. */
const driveEveryEndpoint = async (url: string) => {
  const request = (path: string, token: string, method = "GET", body?: string) =>
    send(url, { path, token, method, ...(body === undefined ? {} : { body }) })
  const schedule = (token: string, team: string, transfer: string, month: string) =>
    request(
      `/teams/${team}/transfers/${transfer}/backfills`,
      token,
      "POST",
      `{"range_start":"2024-${month}-01","range_end":"2024-${month}-28"}`
    )
  const tokens = Object.keys(DEMO_TOKENS)
  const scheduled: Array<string> = []
  for (const [index, token] of tokens.entries()) {
    for (const [team, transfer] of [
      ["1", "456789"],
      ["2", "111111"]
    ] as const) {
      const answer = await schedule(token, team, transfer, String(index + 1).padStart(2, "0"))
      if (answer.status === 200) {
        const { data } = JSON.parse(answer.text) as { data: { transfer_backfill_id: number } }
        scheduled.push(`/teams/${team}/backfills/${data.transfer_backfill_id}`)
      }
    }
  }
  for (const token of tokens) {
    for (const backfill of scheduled) {
      await request(backfill, token)
      await request(`${backfill}/runs`, token)
    }
    await request("/teams/1/transfers/456789/backfills/latest", token)
    await request("/teams/1/transfers/456789/backfills/preview", token, "POST", '{"range_start":"2023-01-01"}')
    const page = await request("/teams/1/backfills?limit=1", token)
    const next = /^<([^>]+)>/.exec(String(page.headers.link ?? ""))?.[1]
    if (next !== undefined) {
      const nextPage = new URL(next, `${url}/teams/1/backfills`)
      await request(`${nextPage.pathname}${nextPage.search}`, token)
    }
  }
  await request("/teams/1/backfills?limit=1&cursor=forged-cursor", "demo-viewer")
  await request("/teams/1/backfills", WRONG_TOKEN)
  await send(url, { path: "/teams/1/backfills?access_token=demo-admin&token=demo-viewer" })
  for (const authorization of ["demo-admin", "Bearer", "Bearer  demo-noperm extra", "Basic demo-team2", "bearer"]) {
    await send(url, { path: "/teams/1/backfills", headers: { authorization } })
  }
  return scheduled
}

/** Waits for a backfill to fail, retries its days, and cancels the others still at work. */
const retryAndCancel = async (url: string, scheduled: ReadonlyArray<string>) => {
  const statusOf = async (backfill: string) =>
    (JSON.parse((await send(url, { path: backfill, token: "demo-admin" })).text) as { data: { status: string } }).data
      .status
  const teamOne = scheduled.filter((backfill) => backfill.startsWith("/teams/1/"))
  let failed: string | undefined
  for (let attempt = 0; attempt < 600 && failed === undefined; attempt++) {
    for (const backfill of teamOne) if ((await statusOf(backfill)) === "FAILED") failed = backfill
    await pause(100)
  }
  expect(failed).toBeDefined()
  await send(url, { path: `${failed}/retry`, token: "demo-admin", method: "POST", body: "{}" })
  for (const backfill of teamOne) {
    await send(url, { path: backfill, token: "demo-admin", method: "PATCH", body: '{"status":"CANCELLED"}' })
  }
}

describe("npm start's output", () => {
  it("is JSON lines, after the welcome, that never show a bearer token or the cursor secret", async () => {
    const host = startHostProcess({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      EMBEDDED_DATABASE_SNAPSHOT: "off",
      PORT: "0",
      LOG_LEVEL: "debug",
      CURSOR_SECRET,
      WORKER_DAY_MS: "100",
      WORKER_FAILURE_RATE: "0.5"
    })
    const url = await host.listening
    const scheduled = await driveEveryEndpoint(url)
    expect(scheduled.length).toBeGreaterThanOrEqual(2)
    await retryAndCancel(url, scheduled)
    // The progress of a backfill is looked at once a second.
    await pause(2500)
    host.child.kill("SIGTERM")
    expect(await host.exited).toBe(0)

    const output = host.output()
    expect(output.match(BANNER)).toHaveLength(1)
    const logged = output.replace(BANNER, "")
    for (const secret of SECRETS) expect(logged).not.toContain(secret)

    const lines = logged.split("\n").filter((line) => line.startsWith("{"))
    const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const log of logs) {
      expect(log).toEqual(
        expect.objectContaining({ time: expect.any(String), level: expect.any(String), message: expect.any(String) })
      )
    }
    expect(logs.some((log) => log.backfill_id !== undefined && log.team_id !== undefined)).toBe(true)
    // Effect's own text loggers would start a line with `timestamp=` or a bracketed time.
    expect(logged).not.toMatch(/^(timestamp=|\[\d\d:\d\d:\d\d)/m)
  }, 180_000)
})
