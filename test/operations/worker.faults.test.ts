/**
 * The worker loop against the faults of production, on the in-memory repository with
 * the test clock: days that outlive the lease, a worker cut off from its database, a
 * driver error escaping the repository, an executor with a bug.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Deferred, Duration, Effect, Fiber, HashMap, Logger, Option, Ref, TestClock } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { completed, WorkerId } from "../../src/domain/runs.js"
import * as Worker from "../../src/operations/worker.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import { type Fault, withFaults } from "../support/faultyRepository.js"
import { tally } from "../support/tally.js"
import { readBackfill as read, scheduleSeedBackfill as schedule } from "./http.js"
import { world } from "./world.js"

const LEASE = Duration.seconds(30)
const POLL = Duration.seconds(1)

/** Moves the test clock on in steps of `step` seconds; every sleep ends at its own time within a step. */
const advanceSeconds = (seconds: number, step = 1) =>
  Effect.forEach(Array.from({ length: Math.ceil(seconds / step) }), () => TestClock.adjust(Duration.seconds(step)), {
    discard: true
  })

interface LogEntry {
  readonly level: string
  readonly message: string
  readonly cause: string
  readonly annotations: Readonly<Record<string, unknown>>
}

const capturingLogger = (entries: Array<LogEntry>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, cause, annotations }) => {
      entries.push({
        level: logLevel.label,
        message: String(message),
        cause: Cause.pretty(cause),
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
  )

describe("the worker loop under faults", () => {
  it.effect("holds its lease through days three times as long as the lease, so 4 workers run each day once", () =>
    Effect.gen(function* () {
      const ids = [yield* schedule("2024-01-01", "2024-01-02"), yield* schedule("2024-01-10", "2024-01-11")]
      const executions = tally()
      const loops = yield* Effect.forEach(["w1", "w2", "w3", "w4"], (name) =>
        Effect.fork(
          Worker.runWorker({
            workerId: WorkerId.make(name),
            leaseDuration: LEASE,
            pollInterval: POLL,
            execute: (run) =>
              Effect.zipRight(
                executions.add(`${run.backfill.id}/${run.day}`),
                Effect.as(Effect.sleep(Duration.times(LEASE, 3)), completed)
              )
          })
        )
      )
      yield* advanceSeconds(4 * 90, 5)
      expect(executions.entries()).toEqual({
        "1/2024-01-01": 1,
        "1/2024-01-02": 1,
        "2/2024-01-10": 1,
        "2/2024-01-11": 1
      })
      for (const id of ids) {
        expect(yield* read(id)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 2 })
      }
      yield* Effect.forEach(loops, Fiber.interrupt)
    }).pipe(Effect.provide(world()))
  )

  it.effect(
    "cuts short the day of a worker that lost its database, records nothing of it, and lets another worker finish it once",
    () =>
      Effect.gen(function* () {
        const id = yield* schedule("2024-01-01", "2024-01-02")
        const repository = yield* WorkerRepository
        const cut = yield* Ref.make<Fault>("none")
        const started = tally()
        const finished = tally()
        const execute = (name: string) => (run: { readonly day: CalendarDate }) =>
          Effect.zipRight(
            started.add(`${name}/${run.day}`),
            Effect.as(Effect.zipRight(Effect.sleep(Duration.minutes(1)), finished.add(`${name}/${run.day}`)), completed)
          )
        const loop = (name: string) =>
          Worker.runWorker({
            workerId: WorkerId.make(name),
            leaseDuration: LEASE,
            pollInterval: POLL,
            execute: execute(name)
          })
        const cutOff = yield* Effect.fork(
          Effect.provideService(loop("cut"), WorkerRepository, withFaults(repository, cut))
        )
        yield* advanceSeconds(1)
        expect(started.entries()).toEqual({ "cut/2024-01-02": 1 })
        yield* Ref.set(cut, "unavailable")
        const other = yield* Effect.fork(loop("other"))
        yield* advanceSeconds(300, 5)
        expect(finished.entries()).toEqual({ "other/2024-01-01": 1, "other/2024-01-02": 1 })
        expect(started.entries()).toEqual({ "cut/2024-01-02": 1, "other/2024-01-01": 1, "other/2024-01-02": 1 })
        expect(yield* read(id)).toMatchObject({
          status: "COMPLETED",
          transfer_runs_completed: 2,
          transfer_runs_failed: 0
        })
        yield* Fiber.interrupt(cutOff)
        yield* Fiber.interrupt(other)
      }).pipe(Effect.provide(world()))
  )

  it.effect(
    "survives driver errors escaping the repository, logs them, and is back within one poll interval on its own lease",
    () =>
      Effect.gen(function* () {
        const id = yield* schedule("2024-01-01", "2024-01-05")
        const repository = yield* WorkerRepository
        const fault = yield* Ref.make<Fault>("none")
        const health = yield* Worker.makeWorkerHealth
        const starts: Array<readonly [CalendarDate, number]> = []
        const logs: Array<LogEntry> = []
        const loop = yield* Effect.fork(
          Worker.runWorker({
            workerId: WorkerId.make("w"),
            leaseDuration: LEASE,
            pollInterval: POLL,
            health,
            execute: (run) =>
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                Effect.zipRight(
                  Effect.sync(() => starts.push([run.day, now])),
                  Effect.as(Effect.sleep(Duration.seconds(1)), completed)
                )
              )
          }).pipe(
            Effect.provideService(WorkerRepository, withFaults(repository, fault)),
            Effect.provide(capturingLogger(logs))
          )
        )
        yield* advanceSeconds(1)
        yield* Ref.set(fault, "dying")
        yield* advanceSeconds(8)
        const during = yield* Ref.get(health)
        expect(during.consecutiveFailures).toBeGreaterThan(3)
        expect(during.running).toBe(true)
        const restoredAt = yield* Clock.currentTimeMillis
        yield* Ref.set(fault, "none")
        yield* advanceSeconds(10)
        const resumed = starts.find(([, at]) => at >= restoredAt)
        expect(resumed?.[1]).toBeLessThanOrEqual(restoredAt + Duration.toMillis(POLL))
        expect(new Set(starts.map(([day]) => day)).size).toBe(5)
        expect(yield* read(id)).toMatchObject({
          status: "COMPLETED",
          transfer_runs_created: 5,
          transfer_runs_completed: 5,
          transfer_runs_failed: 0
        })
        const after = yield* Ref.get(health)
        expect(after.consecutiveFailures).toBe(0)
        expect(Option.getOrThrow(after.lastSuccessMillis)).toBeGreaterThan(restoredAt)
        const failures = logs.filter((entry) => entry.message.startsWith("Worker step failed"))
        expect(failures.length).toBe(during.consecutiveFailures)
        expect(failures.every((entry) => entry.level === "ERROR" && entry.cause.includes("ECONNRESET"))).toBe(true)

        yield* Fiber.interrupt(loop)
        expect((yield* Ref.get(health)).running).toBe(false)
        expect(logs.at(-1)).toMatchObject({ level: "INFO", message: "Worker stopped" })
      }).pipe(Effect.provide(world()))
  )

  it.effect("keeps its lease through one renewal that hangs past its time, and runs the day once", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-01")
      const repository = yield* WorkerRepository
      const fault = yield* Ref.make<Fault>("none")
      const executions = tally()
      const loop = (name: string) =>
        Worker.runWorker({
          workerId: WorkerId.make(name),
          leaseDuration: Duration.seconds(40),
          pollInterval: POLL,
          execute: (run) =>
            Effect.zipRight(
              executions.add(`${name}/${run.day}`),
              Effect.as(Effect.sleep(Duration.minutes(1)), completed)
            )
        })
      const logs: Array<LogEntry> = []
      const holder = yield* Effect.fork(
        Effect.provideService(loop("holder"), WorkerRepository, withFaults(repository, fault)).pipe(
          Effect.provide(capturingLogger(logs))
        )
      )
      yield* advanceSeconds(1)
      const other = yield* Effect.fork(loop("other"))
      // Renewals every 10 s, each given 5 s: the one at 10 s hangs and times out at 15 s.
      yield* advanceSeconds(4)
      yield* Ref.set(fault, "frozen")
      yield* advanceSeconds(11)
      yield* Ref.set(fault, "none")
      yield* advanceSeconds(120, 5)
      expect(executions.entries()).toEqual({ "holder/2024-01-01": 1 })
      expect(yield* read(id)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 1 })
      // The log of the failed renewal names the backfill the lease was held on.
      const renewals = logs.filter((entry) => entry.message.startsWith("Lease renewal failed"))
      expect(renewals.map((entry) => entry.annotations.backfill_id)).toEqual([String(id)])
      yield* Effect.forEach([holder, other], Fiber.interrupt)
    }).pipe(Effect.provide(world()))
  )

  it.effect("never lets two loops given one id take each other's leases", () =>
    Effect.gen(function* () {
      yield* schedule("2024-01-01", "2024-01-03")
      yield* schedule("2023-06-01", "2023-06-03")
      const executions = tally()
      const loops = yield* Effect.forEach([1, 2], () =>
        Effect.fork(
          Worker.runWorker({
            workerId: WorkerId.make("pid-1"),
            leaseDuration: LEASE,
            pollInterval: POLL,
            execute: (run) =>
              Effect.zipRight(executions.add(run.day), Effect.as(Effect.sleep(Duration.seconds(5)), completed))
          })
        )
      )
      yield* advanceSeconds(60)
      expect(Object.values(executions.entries())).toEqual([1, 1, 1, 1, 1, 1])
      yield* Effect.forEach(loops, Fiber.interrupt)
    }).pipe(Effect.provide(world()))
  )

  it.effect("gives up a day that outlasts the shutdown grace, and frees its lease", () =>
    Effect.gen(function* () {
      yield* schedule("2024-01-01", "2024-01-02")
      const started = yield* Deferred.make<void>()
      const loop = yield* Effect.fork(
        Worker.runWorker({
          workerId: WorkerId.make("w"),
          leaseDuration: LEASE,
          pollInterval: POLL,
          shutdownGrace: Duration.seconds(10),
          execute: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)
        })
      )
      yield* Deferred.await(started)
      const stopping = yield* Effect.fork(Fiber.interrupt(loop))
      yield* advanceSeconds(9)
      expect(yield* Fiber.poll(stopping)).toEqual(Option.none())
      yield* advanceSeconds(1)
      yield* Fiber.join(stopping)
      const next = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("next"), LEASE))
      expect(Option.getOrThrow(yield* Worker.startNextRun(next)).day).toBe("2024-01-02")
    }).pipe(Effect.provide(world()))
  )

  it.effect("counts no lease lost when a renewal finds the lease given up by a last outcome still answering", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-01")
      const store = yield* WorkerRepository
      const recordAndRelease = Option.getOrThrow(Option.fromNullable(store.recordOutcomeAndRelease))
      let releases = 0
      // The outcome and the release commit at once; the answer takes 20 s, past two renewals.
      const slowToAnswer: WorkerRepository["Type"] = {
        ...store,
        recordOutcomeAndRelease: (...args) => Effect.tap(recordAndRelease(...args), () => Effect.sleep("20 seconds")),
        releaseLease: (lease) =>
          Effect.zipRight(
            Effect.sync(() => releases++),
            store.releaseLease(lease)
          )
      }
      const logs: Array<LogEntry> = []
      const turn = yield* Effect.fork(
        Worker.processNextBackfill({
          workerId: WorkerId.make("w"),
          leaseDuration: LEASE,
          execute: () => Effect.succeed(completed)
        }).pipe(Effect.provideService(WorkerRepository, slowToAnswer), Effect.provide(capturingLogger(logs)))
      )
      yield* advanceSeconds(30)
      expect(yield* Fiber.join(turn)).toBe(true)
      expect(yield* read(id)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 1 })
      expect(logs.filter((entry) => entry.level === "WARN").map((entry) => entry.message)).toEqual([])
      expect(releases).toBe(0)
    }).pipe(Effect.provide(world()))
  )

  it.effect("goes on after an executor that dies, and runs that day again", () =>
    Effect.gen(function* () {
      const id = yield* schedule("2024-01-01", "2024-01-03")
      const executions = tally()
      let calls = 0
      const logs: Array<LogEntry> = []
      const loop = yield* Effect.fork(
        Worker.runWorker({
          workerId: WorkerId.make("w"),
          leaseDuration: LEASE,
          pollInterval: POLL,
          execute: (run) =>
            Effect.zipRight(
              executions.add(run.day),
              Effect.suspend(() => {
                calls += 1
                return calls === 1 ? Effect.die(new Error("bug in the transfer run")) : Effect.succeed(completed)
              })
            )
        }).pipe(Effect.provide(capturingLogger(logs)))
      )
      yield* advanceSeconds(3)
      expect(executions.entries()).toEqual({ "2024-01-03": 2, "2024-01-02": 1, "2024-01-01": 1 })
      expect(yield* read(id)).toMatchObject({ status: "COMPLETED", transfer_runs_completed: 3 })
      expect(logs.some((entry) => entry.level === "ERROR" && entry.cause.includes("bug in the transfer run"))).toBe(
        true
      )
      yield* Fiber.interrupt(loop)
    }).pipe(Effect.provide(world()))
  )
})
