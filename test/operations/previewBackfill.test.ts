import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import type { BackfillStatus } from "../../src/domain/status.js"
import {
  handleListIncompleteBackfills,
  handlePreviewBackfill,
  handleScheduleBackfill
} from "../../src/http/endpoints.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { call } from "./http.js"
import { bearer, type PRINCIPALS, SEED_TRANSFER, TEAM_1, world } from "./world.js"

type Token = keyof typeof PRINCIPALS

const path = (transferId: string = String(SEED_TRANSFER)) => ({ team_id: "1", transfer_id: transferId })
const rangeBody = (start: string, end: string) => `{"range_start":"${start}","range_end":"${end}"}`

const preview = (body: string, token: Token = "admin", transferId?: string) =>
  call(handlePreviewBackfill({ authorization: bearer(token), path: path(transferId), body }))

const schedule = (body: string, token: Token = "admin", transferId?: string) =>
  call(handleScheduleBackfill({ authorization: bearer(token), path: path(transferId), body }))

const stored = (id: bigint, status: BackfillStatus, start: string, end: string) => ({
  teamId: TEAM_1,
  backfill: backfillInStatus(status, { id, transferId: SEED_TRANSFER, start, end })
})

type Preview = {
  readonly transfer_runs_total: number
  readonly range_start_date: string
  readonly range_end_date: string
  readonly today: string
  readonly first_run_dates: ReadonlyArray<string>
  readonly last_run_dates: ReadonlyArray<string>
  readonly conflicts: ReadonlyArray<Record<string, unknown> & { readonly transfer_backfill_id: bigint | number }>
}

describe("preview a backfill", () => {
  it.effect("answers what a create would do: the range, its runs newest first, today, every backfill in the way", () =>
    Effect.gen(function* () {
      const response = yield* preview(rangeBody("2023-12-01", "2024-01-31"))
      expect(response.status).toBe(200)
      const data = response.data as Preview
      expect(data).toMatchObject({
        transfer_id: Number(SEED_TRANSFER),
        range_start_date: "2023-12-01",
        range_end_date: "2024-01-31",
        today: "2024-02-01",
        transfer_runs_total: 62
      })
      expect(data.first_run_dates).toEqual([
        "2024-01-31",
        "2024-01-30",
        "2024-01-29",
        "2024-01-28",
        "2024-01-27",
        "2024-01-26",
        "2024-01-25",
        "2024-01-24",
        "2024-01-23",
        "2024-01-22"
      ])
      expect(data.last_run_dates).toHaveLength(10)
      expect(data.last_run_dates.at(-1)).toBe("2023-12-01")
      expect(data.conflicts.map((conflict) => conflict.transfer_backfill_id)).toEqual([7, 8])
      expect(data.conflicts[0]).toEqual({
        transfer_backfill_id: 7,
        status: "RUNNING",
        range_start_date: "2023-11-25",
        range_end_date: "2023-12-03",
        overlapping_start_date: "2023-12-01",
        overlapping_end_date: "2023-12-03",
        overlapping_days: 3
      })
      // Nothing was written: the team still has its two active backfills and no more.
      const listed = yield* call(
        handleListIncompleteBackfills({ authorization: bearer("admin"), path: { team_id: "1" }, query: {} })
      )
      expect((listed.data as ReadonlyArray<unknown>).length).toBe(3)
    }).pipe(
      Effect.provide(
        world({
          seed: [
            stored(7n, "RUNNING", "2023-11-25", "2023-12-03"),
            stored(8n, "CREATED", "2024-01-10", "2024-01-12"),
            stored(9n, "COMPLETED", "2024-01-15", "2024-01-16"),
            stored(10n, "FAILED", "2023-06-01", "2023-06-02")
          ]
        })
      )
    )
  )

  it.effect("shows every run of a short range once, and no last runs", () =>
    Effect.gen(function* () {
      const data = (yield* preview(rangeBody("2024-01-01", "2024-01-12"))).data as Preview
      expect(data.first_run_dates).toHaveLength(10)
      expect(data.last_run_dates).toEqual(["2024-01-02", "2024-01-01"])
      const one = (yield* preview(rangeBody("2024-01-05", "2024-01-05"))).data as Preview
      expect([one.first_run_dates, one.last_run_dates, one.conflicts]).toEqual([["2024-01-05"], [], []])
    }).pipe(Effect.provide(world()))
  )

  it.effect.each<readonly [string, string, Token, string | undefined]>([
    ["a missing token's 401", rangeBody("2024-01-01", "2024-01-02"), "nobody" as Token, undefined],
    ["a reader's 403", rangeBody("2024-01-01", "2024-01-02"), "viewer", undefined],
    ["an unknown transfer's 404", rangeBody("2024-01-01", "2024-01-02"), "admin", "999"],
    ["an unreadable body's 400", "{", "admin", undefined],
    ["an impossible day's 422", rangeBody("2024-02-30", "2024-03-01"), "admin", undefined],
    ["a future day's 422", rangeBody("2024-01-01", "2024-02-02"), "admin", undefined]
  ])("answers %s exactly as a create does", ([, body, token, transferId]) =>
    Effect.gen(function* () {
      const previewed = yield* preview(body, token, transferId)
      const created = yield* schedule(body, token, transferId)
      expect(previewed.status).toBeGreaterThanOrEqual(400)
      expect([previewed.status, previewed.error]).toEqual([created.status, created.error])
    }).pipe(Effect.provide(world()))
  )

  const day = (offset: number) => {
    const date = new Date(Date.UTC(2024, 0, 1 + offset))
    return date.toISOString().slice(0, 10)
  }
  const seededState = fc.array(
    fc.record({
      status: fc.constantFrom<BackfillStatus>("CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED"),
      start: fc.integer({ min: 0, max: 40 }),
      length: fc.integer({ min: 1, max: 6 })
    }),
    { maxLength: 8 }
  )
  const requested = fc.record({ start: fc.integer({ min: -5, max: 45 }), length: fc.integer({ min: -2, max: 20 }) })

  it.effect.prop(
    "succeeds without conflicts exactly when a create made right after succeeds, with the same range and runs",
    [seededState, requested],
    ([seeds, asked]) => {
      // Active backfills of one transfer never overlap: keep each seed only if it fits.
      const kept: Array<ReturnType<typeof stored>> = []
      for (const [index, seed] of seeds.entries()) {
        const candidate = stored(BigInt(index + 1), seed.status, day(seed.start), day(seed.start + seed.length - 1))
        const active = (status: BackfillStatus) => status !== "COMPLETED" && status !== "CANCELLED"
        const clashes = kept.some(
          (other) =>
            active(other.backfill.status) &&
            active(candidate.backfill.status) &&
            other.backfill.range.start <= candidate.backfill.range.end &&
            candidate.backfill.range.start <= other.backfill.range.end
        )
        if (!clashes) kept.push(candidate)
      }
      const body = rangeBody(day(asked.start), day(asked.start + asked.length))
      return Effect.gen(function* () {
        const previewed = yield* preview(body)
        const created = yield* schedule(body)
        if (previewed.status !== 200) {
          expect([created.status, created.error]).toEqual([previewed.status, previewed.error])
          return
        }
        const plan = previewed.data as Preview
        if (plan.conflicts.length === 0) {
          expect(created.status).toBe(200)
          const backfill = created.data as Record<string, unknown>
          expect([backfill.range_start_date, backfill.range_end_date, backfill.transfer_runs_total]).toEqual([
            plan.range_start_date,
            plan.range_end_date,
            plan.transfer_runs_total
          ])
        } else {
          expect(created.status).toBe(409)
          const named = /active backfill (\d+)/.exec(created.error.description ?? "")?.[1]
          expect(plan.conflicts.map((conflict) => String(conflict.transfer_backfill_id))).toContain(named)
        }
      }).pipe(Effect.provide(world({ seed: kept })))
    },
    { fastCheck: { numRuns: 150 } }
  )
})
