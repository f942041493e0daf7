/**
 * `npm start` as a user runs it: a process that prints where it listens and how to use
 * it, serves requests, works through backfills, and exits 0 on SIGTERM and SIGINT.
 */
import { describe, expect, it } from "vitest"
import { startHostProcess } from "./hostProcess.js"

/** On its embedded database: what a fresh machine has. */
const start = () => startHostProcess({ DATABASE_URL: undefined, REDIS_URL: undefined, PORT: "0", WORKER_DAY_MS: "5" })

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "serves, works, prints its tokens and a curl line, and exits 0 on %s",
    async (signal) => {
      const host = start()
      const url = await host.listening
      expect(host.output()).toContain("demo-admin")
      expect(host.output()).toContain("demo-viewer")
      expect(host.output()).toContain("curl -s -X POST")
      const created = await fetch(`${url}/teams/1/transfers/456789/backfills`, {
        method: "POST",
        headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
        body: '{"range_start":"2024-01-01","range_end":"2024-01-05"}'
      })
      expect(created.status).toBe(200)
      const id = ((await created.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
      let status = ""
      for (let attempt = 0; attempt < 100 && status !== "COMPLETED"; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        const read = await fetch(`${url}/teams/1/backfills/${id}`, { headers: { authorization: "Bearer demo-viewer" } })
        status = ((await read.json()) as { data: { status: string } }).data.status
      }
      expect(status).toBe("COMPLETED")
      host.child.kill(signal)
      expect(await host.exited).toBe(0)
    },
    60_000
  )
})
