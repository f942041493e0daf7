import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Option, Ref, TestClock } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { BackfillId } from "../../src/domain/ids.js"
import { completed, failed, WorkerId } from "../../src/domain/runs.js"
import { handleCancelBackfill } from "../../src/http/endpoints.js"
import * as Worker from "../../src/operations/worker.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { accessTo } from "../support/access.js"
import { type Fault, withFaults } from "../support/faultyRepository.js"
import { call, readBackfill as read, scheduleSeedBackfill as schedule } from "./http.js"
import { bearer, SEED_NOW, TEAM_1, world } from "./world.js"

const LEASE = Duration.seconds(30)

const findBackfill = (id: BackfillId) =>
  Effect.flatMap(BackfillRepository, (repository) =>
    Effect.map(repository.findForTeam(accessTo(TEAM_1), id), Option.getOrThrow)
  )

const workerNamed = <R = never>(name: string, execute: Worker.RunExecutor<R> = () => Effect.succeed(completed)) => ({
  workerId: WorkerId.make(name),
  leaseDuration: LEASE,
  execute
})

/** Turns until no backfill has work left: how many there were. */
const drain = <R>(options: Worker.WorkerOptions<R>) =>
  Effect.iterate(0, {
    while: (turns) => turns >= 0,
    body: (turns) => Effect.map(Worker.processNextBackfill(options), (worked) => (worked ? turns + 1 : -turns - 1))
  }).pipe(Effect.map((end) => -end - 1))

describe("the worker loop", () => {
  it.effect("drives the seed's backfill to COMPLETED with counters 31/31/31/0", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-31")
      const executed: Array<CalendarDate> = []
      const turns = yield* drain(
        workerNamed("w1", (run) => Effect.sync(() => executed.push(run.day)).pipe(Effect.as(completed)))
      )
      // A turn is one day: the worker gives the backfill back after each.
      expect(turns).toBe(31)
      const data = yield* read(id)
      expect(data).toMatchObject({
        status: "COMPLETED",
        transfer_runs_total: 31,
        transfer_runs_created: 31,
        transfer_runs_completed: 31,
        transfer_runs_failed: 0,
        start_time: "2024-02-01T09:00:00Z",
        end_time: "2024-02-01T09:00:00Z",
        error_report: []
      })
      expect(executed).toHaveLength(31)
      // Newest first, as SPEC says: "reverse chronological order, one day at a time".
      expect([executed[0], executed[1], executed[30]]).toEqual(["2024-01-31", "2024-01-30", "2024-01-01"])
      expect(yield* Worker.processNextBackfill(workerNamed("w1"))).toBe(false)
    }).pipe(Effect.provide(world()))
  )

  it.effect("ends FAILED with one report entry per failed day, and completes after a retry", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-05")
      const flaky = workerNamed("w1", (run) =>
        Effect.succeed(
          run.day === "2024-01-02" || run.day === "2024-01-04" ? failed(`no data for ${run.day}`) : completed
        )
      )
      yield* drain(flaky)
      const failedData = yield* read(id)
      expect(failedData).toMatchObject({ status: "FAILED", transfer_runs_completed: 3, transfer_runs_failed: 2 })
      expect(failedData.error_report).toEqual([
        { transfer_run_date: "2024-01-02", error: "no data for 2024-01-02" },
        { transfer_run_date: "2024-01-04", error: "no data for 2024-01-04" }
      ])
      expect(yield* Worker.processNextBackfill(flaky)).toBe(false)
      const retried = yield* Worker.retryFailedDays(id)
      expect(retried).toMatchObject({ status: "SCHEDULED", runs: { completed: 3, failed: 0 } })
      expect((yield* read(id)).end_time).toBeNull()
      expect(yield* drain(workerNamed("w2"))).toBe(2)
      expect(yield* read(id)).toMatchObject({
        status: "COMPLETED",
        transfer_runs_completed: 5,
        transfer_runs_failed: 0,
        error_report: []
      })
    }).pipe(Effect.provide(world()))
  )

  it.effect("shows the counters climbing while a backfill runs", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-04")
      const seen: Array<[string, number, number]> = []
      yield* drain(
        workerNamed("w1", (run) =>
          Effect.orDie(
            Effect.map(findBackfill(run.backfill.id), (now) => {
              seen.push([now.status, now.runs.created, now.runs.completed])
              return completed
            })
          )
        )
      )
      expect(seen).toEqual([
        ["RUNNING", 4, 0],
        ["RUNNING", 4, 1],
        ["RUNNING", 4, 2],
        ["RUNNING", 4, 3]
      ])
      expect((yield* read(id)).status).toBe("COMPLETED")
    }).pipe(Effect.provide(world()))
  )

  it.effect("lets the day that is executing at cancel report, counted, while the status stays CANCELLED", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-10")
      const started = yield* Deferred.make<void>()
      const proceed = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Worker.processNextBackfill(
          workerNamed("w1", () =>
            Effect.zipRight(
              Deferred.succeed(started, undefined),
              Effect.as(Deferred.await(proceed), failed("cut short"))
            )
          )
        )
      )
      yield* Deferred.await(started)
      const cancelled = yield* call(
        handleCancelBackfill({
          authorization: bearer("admin"),
          path: { team_id: "1", backfill_id: String(id) },
          body: { status: "CANCELLED" }
        })
      )
      expect(cancelled.status).toBe(200)
      yield* Deferred.succeed(proceed, undefined)
      yield* Fiber.join(fiber)
      expect(yield* read(id)).toMatchObject({
        status: "CANCELLED",
        transfer_runs_created: 10,
        transfer_runs_completed: 0,
        transfer_runs_failed: 1,
        error_report: [{ transfer_run_date: "2024-01-10", error: "cut short" }]
      })
    }).pipe(Effect.provide(world()))
  )

  it.effect("lets another worker take over when a worker freezes, and counts every day once", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-03")
      const repository = yield* WorkerRepository
      const fault = yield* Ref.make<Fault>("none")
      // A frozen process: its day never ends and its database calls never return.
      const frozen = workerNamed("frozen", () => Effect.zipRight(Ref.set(fault, "frozen"), Effect.never))
      yield* Effect.fork(
        Worker.processNextBackfill(frozen).pipe(Effect.provideService(WorkerRepository, withFaults(repository, fault)))
      )
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* Worker.processNextBackfill(workerNamed("other"))).toBe(false)
      yield* TestClock.adjust(Duration.seconds(30))
      expect(yield* drain(workerNamed("other"))).toBe(3)
      expect(yield* read(id)).toMatchObject({
        status: "COMPLETED",
        transfer_runs_completed: 3,
        transfer_runs_failed: 0
      })
    }).pipe(Effect.provide(world()))
  )

  it.effect("finishes the current day when interrupted and releases its lease", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-05")
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Worker.processNextBackfill(
          workerNamed("w1", () =>
            Effect.zipRight(
              Deferred.succeed(started, undefined),
              Effect.as(Effect.sleep(Duration.seconds(5)), completed)
            )
          )
        )
      )
      yield* Deferred.await(started)
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Fiber.join(interrupting)
      expect(yield* read(id)).toMatchObject({ status: "RUNNING", transfer_runs_completed: 1 })
      expect(Option.isSome(yield* Worker.claimBackfill(WorkerId.make("next"), LEASE))).toBe(true)
    }).pipe(Effect.provide(world()))
  )

  it.effect("runs until interrupted, waiting for work when there is none", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const loop = yield* Effect.fork(Worker.runWorker({ ...workerNamed("w1"), pollInterval: Duration.seconds(1) }))
      yield* TestClock.adjust(Duration.seconds(1))
      const id = yield* schedule("2024-01-01", "2024-01-02")
      expect((yield* read(id)).status).toBe("CREATED")
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* read(id)).status).toBe("COMPLETED")
      yield* Fiber.interrupt(loop)
    }).pipe(Effect.provide(world()))
  )
})

describe("worker steps", () => {
  it.effect("count each day once when several fibers report the same outcomes at once", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-10")
      yield* Worker.materialiseRuns(id)
      const days = Array.from(
        { length: 10 },
        (_, index) => `2024-01-${String(index + 1).padStart(2, "0")}` as CalendarDate
      )
      const results = yield* Effect.all(
        Array.from({ length: 8 }, () =>
          Effect.all(
            days.map((day) => Worker.recordRunOutcome(id, day, day.endsWith("5") ? failed("x") : completed)),
            { concurrency: "unbounded" }
          )
        ),
        { concurrency: "unbounded" }
      )
      expect(results.flat().filter((result) => result.counted)).toHaveLength(10)
      expect(yield* read(id)).toMatchObject({
        status: "FAILED",
        transfer_runs_completed: 9,
        transfer_runs_failed: 1
      })
    }).pipe(Effect.provide(world()))
  )

  it.effect("never give two workers claiming at once the same backfill", () =>
    Effect.gen(function* () {
      for (const month of ["01", "02", "03"]) yield* schedule(`2023-${month}-01`, `2023-${month}-02`)
      const leases = yield* Effect.all(
        Array.from({ length: 10 }, (_, index) => Worker.claimBackfill(WorkerId.make(`w${index}`), LEASE)),
        { concurrency: "unbounded" }
      )
      const held = leases.flatMap(Option.toArray).map((lease) => lease.backfillId)
      expect(held.sort()).toEqual([1n, 2n, 3n])
    }).pipe(Effect.provide(world()))
  )

  it.effect("refuse outcomes for days outside the range or never created, with typed errors", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-10")
      const outside = yield* Effect.flip(Worker.recordRunOutcome(id, "2024-01-11" as CalendarDate, completed))
      const notCreated = yield* Effect.flip(Worker.recordRunOutcome(id, "2024-01-02" as CalendarDate, completed))
      const unknown = yield* Effect.flip(Worker.materialiseRuns(BackfillId.make(999n)))
      expect([outside._tag, notCreated._tag, unknown._tag]).toEqual([
        "DayOutsideRange",
        "RunNotMaterialised",
        "UnknownBackfill"
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("renew and release leases, and report a lost one", () =>
    Effect.gen(function* () {
      yield* schedule("2024-01-01", "2024-01-02")
      const lease = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("w1"), LEASE))
      yield* TestClock.adjust(Duration.seconds(20))
      const renewed = yield* Worker.renewLease(lease, LEASE)
      expect(renewed.expiresAtMillis).toBe(lease.expiresAtMillis + 20_000)
      yield* Worker.releaseLease(renewed)
      const next = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("w2"), LEASE))
      expect((yield* Effect.flip(Worker.renewLease(renewed, LEASE)))._tag).toBe("LeaseLost")
      expect(next.fence).toBeGreaterThan(lease.fence)
    }).pipe(Effect.provide(world()))
  )
})
