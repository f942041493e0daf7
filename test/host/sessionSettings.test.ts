/**
 * The reference host on a PostgreSQL server whose connection string sets a German
 * `DateStyle` and a zone far from UTC, as a user's `DATABASE_URL` may: a backfill created
 * there reads back, with its ledger, exactly as on a default session. (The adapter's
 * conformance suites run on such sessions on PGlite too: postgres.sessionSettings.test.ts.)
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UNUSUAL_SESSION_SETTINGS, withSessionSettings } from "../support/database.js"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

const serverUrl = process.env.DATABASE_URL ?? ""

describe.runIf(serverUrl !== "")(
  "the reference host on a German, Chatham Islands session (needs DATABASE_URL, which .ci/run sets)",
  () => {
    let host: RunningHost
    beforeAll(async () => {
      host = await startHost({
        databaseUrl: Option.some(withSessionSettings(serverUrl, UNUSUAL_SESSION_SETTINGS))
      })
    }, 120_000)
    afterAll(() => host?.stop(), 60_000)

    it("reads what it wrote: the backfill, its ledger day by day, the listing and the latest", async () => {
      const admin = { token: "demo-admin" }
      const created = await send(host.url, {
        ...admin,
        method: "POST",
        path: "/teams/1/transfers/456789/backfills",
        body: '{"range_start":"2024-01-30","range_end":"2024-02-02"}'
      })
      expect(created.status, created.text).toBe(200)
      const entity = JSON.parse(created.text).data
      expect([entity.range_start_date, entity.range_end_date]).toEqual(["2024-01-30", "2024-02-02"])
      const path = `/teams/1/backfills/${entity.transfer_backfill_id}`
      const read = await send(host.url, { ...admin, path })
      expect([read.status, JSON.parse(read.text).data]).toEqual([200, entity])
      let status = entity.status
      for (let attempt = 0; attempt < 200 && status !== "COMPLETED"; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        status = JSON.parse((await send(host.url, { ...admin, path })).text).data.status
      }
      expect(status).toBe("COMPLETED")
      const ledger = await send(host.url, { ...admin, path: `${path}/runs` })
      expect(ledger.status, ledger.text).toBe(200)
      expect(JSON.parse(ledger.text).data.map((run: { transfer_run_date: string }) => run.transfer_run_date)).toEqual([
        "2024-02-02",
        "2024-02-01",
        "2024-01-31",
        "2024-01-30"
      ])
      const listed = await send(host.url, { ...admin, path: "/teams/1/backfills?status=COMPLETED" })
      expect(listed.status, listed.text).toBe(200)
      const latest = await send(host.url, { ...admin, path: "/teams/1/transfers/456789/backfills/latest" })
      expect([latest.status, JSON.parse(latest.text).data.range_end_date]).toEqual([200, "2024-02-02"])
    })
  }
)
