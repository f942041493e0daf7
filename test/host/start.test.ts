/**
 * `npm start` as a user runs it: a process that prints where it listens and how to use
 * it, serves requests, works through backfills, and exits 0 on SIGTERM and SIGINT.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startHostProcess } from "./hostProcess.js"

const scratch = mkdtempSync(join(tmpdir(), "transfer-backfills-start-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** On its embedded database: what a fresh machine has; `env` on top. */
const start = (snapshot = "off", env: Readonly<Record<string, string>> = {}) =>
  startHostProcess({
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    PORT: "0",
    WORKER_DAY_MS: "5",
    EMBEDDED_DATABASE_SNAPSHOT: snapshot,
    ...env
  })

const scheduleSeed = (url: string) =>
  fetch(`${url}/teams/1/transfers/456789/backfills`, {
    method: "POST",
    headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
    body: '{"range_start":"2024-01-01","range_end":"2024-01-05"}'
  })

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "serves, works, prints its tokens and a curl line, and exits 0 on %s",
    async (signal) => {
      const host = start()
      const url = await host.listening
      expect(host.output()).toContain("demo-admin")
      expect(host.output()).toContain("demo-viewer")
      expect(host.output()).toContain("curl -s -X POST")
      const created = await scheduleSeed(url)
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

  it("starts afresh, and writes a good snapshot, when the one it finds does not load", async () => {
    const snapshot = join(scratch, "garbage.tar.gz")
    writeFileSync(snapshot, "not a data directory")
    const host = start(snapshot)
    const url = await host.listening
    expect((await scheduleSeed(url)).status).toBe(200)
    expect(statSync(snapshot).size).toBeGreaterThan(1000)
    host.child.kill("SIGTERM")
    expect(await host.exited).toBe(0)
  }, 120_000)

  it("snapshots its prepared database on the first start and restores it, without later data, on the next", async () => {
    const snapshot = join(scratch, "snapshot.tar.gz")
    const first = start(snapshot)
    const firstUrl = await first.listening
    expect(existsSync(snapshot)).toBe(true)
    expect((await scheduleSeed(firstUrl)).status).toBe(200)
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)

    const second = start(snapshot)
    const secondUrl = await second.listening
    // The demo data is there; the first run's backfill is not, so the same range is free.
    const again = await scheduleSeed(secondUrl)
    expect(again.status).toBe(200)
    expect(((await again.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id).toBe(1)
    second.child.kill("SIGTERM")
    expect(await second.exited).toBe(0)
  }, 120_000)

  it.each(["PORT", "ADMIN_PORT"] as const)(
    "says which port it cannot listen on and exits non-zero when %s is taken",
    async (variable) => {
      const taken = createServer()
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
      try {
        const { port } = taken.address() as AddressInfo
        const host = start("off", { [variable]: String(port) })
        await expect(host.listening).rejects.toThrow(`Cannot listen on 127.0.0.1:${port}`)
        expect(await host.exited).not.toBe(0)
      } finally {
        await new Promise((resolve) => taken.close(resolve))
      }
    },
    120_000
  )
})
