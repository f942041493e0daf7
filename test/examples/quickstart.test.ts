import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { quickstart } from "../../examples/quickstart.js"
import { SEED_SCHEDULE_RESPONSE_BODY } from "../fixtures/seed.js"
import { parseJson } from "../support/losslessJson.js"

const root = fileURLToPath(new URL("../..", import.meta.url))

describe("the quickstart", () => {
  it.live("schedules the seed's backfill, then meets an overlap and an impossible day", () =>
    Effect.gen(function* () {
      const [created, overlapping, impossible] = yield* quickstart
      expect([created?.response.status, overlapping?.response.status, impossible?.response.status]).toEqual([
        200, 409, 422
      ])
      const data = (parseJson(created?.response.body ?? "") as { data: Record<string, unknown> }).data
      const seed = (JSON.parse(SEED_SCHEDULE_RESPONSE_BODY) as { data: Record<string, unknown> }).data
      expect(Object.keys(data)).toEqual(Object.keys(seed))
      expect({ ...data, transfer_backfill_id: 12345, created_time: seed.created_time }).toEqual(seed)
      expect(overlapping?.response.body).toContain(
        "overlaps active backfill 1 (2024-01-01 to 2024-01-31, status CREATED)"
      )
      expect(impossible?.response.body).toContain("2024-02-30")
    })
  )

  it("runs as `npm start` does and prints the three exchanges", async () => {
    const { stdout } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, ["examples/quickstart.ts"], {
      cwd: root
    })
    expect(stdout.match(/^HTTP \d{3}/gm)).toEqual(["HTTP 200", "HTTP 409", "HTTP 422"])
    expect(stdout).toContain('"transfer_runs_total": 31')
  }, 30_000)
})
