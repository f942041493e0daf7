/**
 * The reference host while its database hangs: the connection to PostgreSQL is frozen (a
 * proxy between them forwards nothing), and every request still gets its answer, 503
 * `SERVICE_UNAVAILABLE`, after the host's deadline; once the database answers again, so
 * does the host.
 */
import { Duration, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FaultTarget, openFaultTarget } from "../support/faultTarget.js"
import { envelopeOf, send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

let target: FaultTarget
let host: RunningHost

beforeAll(async () => {
  target = await openFaultTarget()
  host = await startHost({
    databaseUrl: Option.some(target.proxiedUrl),
    // PGlite serves one connection at a time.
    databasePoolSize: target.kind === "pglite" ? 1 : 4,
    databaseDeadline: Duration.seconds(1),
    worker: Option.none(),
    // A PGlite of its own goes with the target.
    dropSchema: target.kind === "server"
  })
}, 120_000)

afterAll(async () => {
  target?.proxy.thaw()
  await host?.stop()
  await target?.close()
}, 60_000)

describe("the reference host with a frozen database connection", () => {
  it("answers every request 503 after its deadline, and 200 again once the database answers", async () => {
    const list = { path: "/teams/1/backfills", token: "demo-admin" }
    expect((await send(host.url, list)).status).toBe(200)
    target.proxy.freeze()
    const answers = await Promise.all([
      send(host.url, list),
      send(host.url, {
        method: "POST",
        path: "/teams/1/transfers/456789/backfills",
        token: "demo-admin",
        body: '{"range_start":"2024-01-01","range_end":"2024-01-02"}'
      }),
      send(host.url, { path: "/teams/1/backfills/1", token: "a-token-never-seen" })
    ])
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(503)
      expect(envelopeOf(answer).error).toEqual({
        code: "SERVICE_UNAVAILABLE",
        message: "The service is temporarily unavailable. Retry later."
      })
    }
    target.proxy.thaw()
    let status = 0
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = (await send(host.url, list)).status
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(status).toBe(200)
  }, 120_000)
})
