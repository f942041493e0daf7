/**
 * What a caller chooses and what a transfer's own limits decide, through the HTTP
 * handlers: `order` in the create and preview bodies (days run and listed earliest first
 * for `oldest_first`, the Backfill entity unchanged), and a transfer's limits replacing
 * the host's policy, a refusal naming the limit and its value.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { BackfillId } from "../../src/domain/ids.js"
import { completed, WorkerId } from "../../src/domain/runs.js"
import { handleListBackfillRuns, handlePreviewBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import * as Worker from "../../src/operations/worker.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import { call, readBackfill, scheduleSeedBackfill, type WireBackfill } from "./http.js"
import { bearer, DECADE_TRANSFER, LIMITED_TRANSFER, SEED_TRANSFER, world } from "./world.js"

const schedule = (transferId: bigint, body: Record<string, unknown>) =>
  call(
    handleScheduleBackfill({
      authorization: bearer("admin"),
      path: { team_id: "1", transfer_id: String(transferId) },
      body
    })
  )

const january = { range_start: "2024-01-01", range_end: "2024-01-04" }

describe("the processing order a caller chooses", () => {
  it.effect("runs an oldest_first backfill earliest day first and lists its ledger so, the entity unchanged", () =>
    Effect.gen(function* () {
      const newest = yield* schedule(SEED_TRANSFER, { range_start: "2023-12-01", range_end: "2023-12-02" })
      const oldest = yield* schedule(SEED_TRANSFER, { ...january, order: "oldest_first" })
      expect(oldest.status).toBe(200)
      expect(Object.keys(oldest.data as WireBackfill)).toEqual(Object.keys(newest.data as WireBackfill))
      const id = BackfillId.make(BigInt((oldest.data as WireBackfill).transfer_backfill_id))
      const executed: Array<CalendarDate> = []
      yield* Worker.processNextBackfill({
        workerId: WorkerId.make("w1"),
        leaseDuration: Duration.seconds(30),
        daysPerTurn: 10,
        execute: (run) => Effect.sync(() => executed.push(run.day)).pipe(Effect.as(completed))
      }).pipe(Effect.repeat({ while: (worked) => worked }))
      expect(executed.filter((day) => day.startsWith("2024"))).toEqual([
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04"
      ])
      expect(executed.filter((day) => day.startsWith("2023"))).toEqual(["2023-12-02", "2023-12-01"])
      expect((yield* readBackfill(id)).status).toBe("COMPLETED")
      const ledger = yield* call(
        handleListBackfillRuns({
          authorization: bearer("admin"),
          path: { team_id: "1", backfill_id: String(id) },
          query: { limit: "3" }
        })
      )
      expect((ledger.data as ReadonlyArray<{ transfer_run_date: string }>).map((run) => run.transfer_run_date)).toEqual(
        ["2024-01-01", "2024-01-02", "2024-01-03"]
      )
    }).pipe(Effect.provide(world()))
  )

  it.effect("previews the days in the order chosen, and says which", () =>
    Effect.gen(function* () {
      const preview = (body: Record<string, unknown>) =>
        Effect.map(
          call(
            handlePreviewBackfill({
              authorization: bearer("admin"),
              path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
              body
            })
          ),
          (response) => response.data as { order: string; first_run_dates: ReadonlyArray<string> }
        )
      const oldest = yield* preview({ ...january, order: "oldest_first" })
      expect([oldest.order, oldest.first_run_dates[0]]).toEqual(["oldest_first", "2024-01-01"])
      const newest = yield* preview(january)
      expect([newest.order, newest.first_run_dates[0]]).toEqual(["newest_first", "2024-01-04"])
    }).pipe(Effect.provide(world()))
  )
})

describe("a transfer's own limits", () => {
  it.effect("refuse a range longer than the transfer's limit, naming it", () =>
    Effect.gen(function* () {
      const refused = yield* schedule(LIMITED_TRANSFER, { range_start: "2024-01-01", range_end: "2024-01-06" })
      expect([refused.status, refused.error.description]).toEqual([
        422,
        "The range covers 6 days, longer than this transfer's limit of 5 days."
      ])
      expect((yield* schedule(LIMITED_TRANSFER, { range_start: "2024-01-01", range_end: "2024-01-05" })).status).toBe(
        200
      )
    }).pipe(Effect.provide(world()))
  )

  it.effect("refuse a start before the earliest day the transfer's source keeps, naming it", () =>
    Effect.gen(function* () {
      const refused = yield* schedule(LIMITED_TRANSFER, { range_start: "2023-05-31", range_end: "2023-06-02" })
      expect([refused.status, refused.error.description]).toEqual([
        422,
        "range_start (2023-05-31) is before 2023-06-01, the earliest day this transfer's source keeps."
      ])
      expect((yield* schedule(LIMITED_TRANSFER, { range_start: "2023-06-01", range_end: "2023-06-02" })).status).toBe(
        200
      )
    }).pipe(Effect.provide(world()))
  )

  it.effect("replace the host's policy for their transfer only: ten years here, 366 days elsewhere", () =>
    Effect.gen(function* () {
      const decade = { range_start: "2014-01-02", range_end: "2023-12-31" }
      expect((yield* schedule(DECADE_TRANSFER, decade)).status).toBe(200)
      const elsewhere = yield* schedule(SEED_TRANSFER, decade)
      expect([elsewhere.status, elsewhere.error.description]).toEqual([
        422,
        "The range covers 3651 days; at most 366 days are allowed."
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("cap the transfer's running days: its second backfill waits while the first holds its one day", () =>
    Effect.gen(function* () {
      yield* schedule(LIMITED_TRANSFER, { range_start: "2024-01-01", range_end: "2024-01-02" })
      yield* schedule(LIMITED_TRANSFER, { range_start: "2024-01-03", range_end: "2024-01-04" })
      const first = yield* Worker.claimBackfill(WorkerId.make("w1"), Duration.seconds(30))
      expect(Option.isSome(first)).toBe(true)
      expect(yield* Worker.claimBackfill(WorkerId.make("w2"), Duration.seconds(30))).toEqual(Option.none())
    }).pipe(Effect.provide(world()))
  )
})

describe("a worker's turn", () => {
  it.effect("runs daysPerTurn days of a backfill, then gives it back for the next claim", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-05")
      const turn = {
        workerId: WorkerId.make("w1"),
        leaseDuration: Duration.seconds(30),
        daysPerTurn: 2,
        execute: () => Effect.succeed(completed)
      }
      expect(yield* Worker.processNextBackfill(turn)).toBe(true)
      expect(yield* readBackfill(id)).toMatchObject({ status: "RUNNING", transfer_runs_completed: 2 })
      yield* Worker.processNextBackfill(turn)
      yield* Worker.processNextBackfill(turn)
      expect(yield* readBackfill(id)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 5 })
    }).pipe(Effect.provide(world()))
  )

  it.effect("gives the lease up with its last outcome, or after it where the store cannot, its running day back", () =>
    Effect.gen(function* () {
      const store = yield* WorkerRepository
      const { recordOutcomeAndRelease: _, ...recordsOnly } = store
      const turn = {
        workerId: WorkerId.make("w1"),
        leaseDuration: Duration.seconds(30),
        execute: () => Effect.succeed(completed)
      }
      const capOfOne = { maxRunningDaysPerTeam: 1 }
      for (const [repository, releases] of [
        [store, 0],
        [recordsOnly, 1]
      ] as const) {
        const first = yield* scheduleSeedBackfill(`2024-01-1${releases}`, `2024-01-1${releases}`)
        let released = 0
        const counting: WorkerRepository["Type"] = {
          ...repository,
          releaseLease: (lease) =>
            Effect.zipRight(
              Effect.sync(() => released++),
              repository.releaseLease(lease)
            )
        }
        expect(yield* Effect.provideService(Worker.processNextBackfill(turn), WorkerRepository, counting)).toBe(true)
        expect(yield* readBackfill(first)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 1 })
        expect(released).toBe(releases)
        yield* scheduleSeedBackfill(`2024-01-2${releases}`, `2024-01-2${releases}`)
        const next = yield* Worker.claimBackfill(WorkerId.make(`w${2 + releases}`), Duration.seconds(30), capOfOne)
        expect(Option.isSome(next)).toBe(true)
        yield* Effect.flatMap(WorkerRepository, (worker) => worker.releaseLease(Option.getOrThrow(next)))
      }
    }).pipe(Effect.provide(world()))
  )

  it.effect("refuses a turn of no day or a cap of none before it claims anything", () =>
    Effect.gen(function* () {
      yield* scheduleSeedBackfill("2024-01-01", "2024-01-05")
      const options = {
        workerId: WorkerId.make("w1"),
        leaseDuration: Duration.seconds(30),
        execute: () => Effect.succeed(completed)
      }
      for (const invalid of [{ daysPerTurn: 0 }, { daysPerTurn: 1.5 }, { maxRunningDaysPerTeam: 0 }]) {
        const exit = yield* Effect.exit(Worker.processNextBackfill({ ...options, ...invalid }))
        expect(String(exit)).toContain(`WorkerOptions.${Object.keys(invalid)[0]} must be a positive integer`)
        const loop = yield* Effect.exit(Worker.runWorker({ ...options, ...invalid, pollInterval: Duration.millis(10) }))
        expect(String(loop)).toContain("must be a positive integer")
      }
      expect(yield* Worker.claimBackfill(WorkerId.make("w2"), Duration.seconds(30))).not.toEqual(Option.none())
    }).pipe(Effect.provide(world()))
  )
})
