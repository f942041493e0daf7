/**
 * The library's metrics count what happened, on the in-memory store and on PostgreSQL:
 * each change once however often its idempotency key is replayed, each day's outcome (once,
 * however often it is reported) and duration, each backfill's end (a cancelled one's once,
 * whatever days report after it) and its wait for its first day (once, not again after a
 * retry), lost leases, failed worker steps, and the gauges read from the store.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Metric, Option, TestClock } from "effect"
import { afterAll } from "vitest"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { ServiceUnavailable } from "../../src/domain/errors.js"
import { completed, failed, WorkerId } from "../../src/domain/runs.js"
import { LeaseLost } from "../../src/domain/workerErrors.js"
import { handleCancelBackfill, handleRetryBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import * as Metrics from "../../src/metrics/index.js"
import * as Worker from "../../src/operations/worker.js"
import type { BackfillRepository } from "../../src/ports/backfillRepository.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import type { BackfillStatistics } from "../../src/ports/backfillStatistics.js"
import { layerPromiseBackfillRepository } from "../../src/promise/index.js"
import { freshRepository, openTestDatabase } from "../support/database.js"
import { makePlainPromiseStore } from "../support/plainPromiseStore.js"
import { call, type WireBackfill } from "./http.js"
import { bearer, cursorsLayer, PRINCIPALS, SEED_NOW, SEED_TRANSFER, transfersLayer } from "./world.js"

const database = await openTestDatabase()
afterAll(() => database.close())

type Repository = Layer.Layer<BackfillRepository | WorkerRepository | BackfillStatistics>

const servicesOn = <Ports>(repository: Layer.Layer<Ports>) =>
  Layer.mergeAll(layerStaticTokens(PRINCIPALS), transfersLayer, repository, cursorsLayer)

const STORES: ReadonlyArray<readonly [string, () => Repository]> = [
  ["in memory", () => layerMemoryBackfillRepository()],
  [`on PostgreSQL (${database.kind})`, () => freshRepository(database)]
]

const counted = (metric: Metric.Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)
const byTag = (metric: Metric.Metric.Counter<number>, key: string, value: string) =>
  counted(Metric.tagged(metric, key, value))
const histogram = (metric: typeof Metrics.dayDuration) =>
  Effect.map(Metric.value(metric), ({ count, sum }) => ({ count, sum }))
const gauge = (metric: typeof Metrics.pendingDays) => Effect.map(Metric.value(metric), (state) => state.value)

/** Every counter and histogram this file checks, as they stand. */
const tally = Effect.all({
  scheduled: counted(Metrics.backfillsScheduled),
  cancelled: counted(Metrics.backfillsCancelled),
  retried: counted(Metrics.backfillsRetried),
  completedBackfills: byTag(Metrics.backfillsFinished, "backfill.status", "COMPLETED"),
  failedBackfills: byTag(Metrics.backfillsFinished, "backfill.status", "FAILED"),
  cancelledBackfills: byTag(Metrics.backfillsFinished, "backfill.status", "CANCELLED"),
  completedDays: byTag(Metrics.daysFinished, "backfill.day.outcome", "completed"),
  failedDays: byTag(Metrics.daysFinished, "backfill.day.outcome", "failed"),
  leasesLost: counted(Metrics.leasesLost),
  unavailableSteps: byTag(Metrics.workerStepFailures, "error.type", "ServiceUnavailable"),
  dayDuration: histogram(Metrics.dayDuration),
  wait: histogram(Metrics.backfillWait)
})

type Tally = Effect.Effect.Success<typeof tally>

/** What changed in the tally while `effect` ran. */
const changedBy = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const before = yield* tally
    yield* effect
    const after = yield* tally
    const delta: Record<string, unknown> = {}
    for (const key of Object.keys(after) as Array<keyof Tally>) {
      const [was, now] = [before[key], after[key]]
      delta[key] =
        typeof was === "number" && typeof now === "number"
          ? now - was
          : typeof was === "object" && typeof now === "object"
            ? { count: now.count - was.count, sum: now.sum - was.sum }
            : now
    }
    return delta
  })

const schedule = (start: string, end: string, idempotencyKey?: string) =>
  Effect.map(
    call(
      handleScheduleBackfill({
        authorization: bearer("admin"),
        path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
        body: { range_start: start, range_end: end },
        ...(idempotencyKey === undefined ? {} : { idempotencyKey })
      })
    ),
    (response) => String((response.data as WireBackfill).transfer_backfill_id)
  )

const cancel = (backfillId: string, idempotencyKey?: string) =>
  call(
    handleCancelBackfill({
      authorization: bearer("admin"),
      path: { team_id: "1", backfill_id: backfillId },
      body: '{"status":"CANCELLED"}',
      ...(idempotencyKey === undefined ? {} : { idempotencyKey })
    })
  )

const retry = (backfillId: string) =>
  call(handleRetryBackfill({ authorization: bearer("admin"), path: { team_id: "1", backfill_id: backfillId } }))

/** Works turns until no backfill has work; each day takes two seconds of the test clock. */
const drain = (failDay?: string) =>
  Worker.processNextBackfill({
    workerId: WorkerId.make("metrics-worker"),
    leaseDuration: Duration.seconds(30),
    execute: ({ day }) =>
      Effect.as(TestClock.adjust(Duration.seconds(2)), day === failDay ? failed("source table missing") : completed)
  }).pipe(Effect.repeat({ while: (worked) => worked }))

const KEYED_STORES: ReadonlyArray<readonly [string, () => Layer.Layer<BackfillRepository>]> = [
  ...STORES,
  ["on a Promise store", () => layerPromiseBackfillRepository(makePlainPromiseStore)]
]

describe.each(KEYED_STORES)("metrics %s", (_, repository) => {
  it.effect(
    "count each change once: a replayed idempotency key counts nothing, a cancel also ends a backfill",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(SEED_NOW)
        const created = yield* changedBy(
          Effect.all([schedule("2024-01-01", "2024-01-10", "k1"), schedule("2024-01-01", "2024-01-10", "k1")])
        )
        expect(created).toMatchObject({ scheduled: 1, cancelled: 0 })
        const id = yield* schedule("2023-12-01", "2023-12-02")
        const cancelled = yield* changedBy(Effect.all([cancel(id, "c1"), cancel(id, "c1")]))
        expect(cancelled).toMatchObject({ scheduled: 0, cancelled: 1, cancelledBackfills: 1 })
        const refused = yield* changedBy(cancel(id))
        expect(refused).toMatchObject({ cancelled: 0, cancelledBackfills: 0 })
      }).pipe(Effect.provide(servicesOn(repository()))),
    120_000
  )
})

describe.each(STORES)("metrics %s", (_, repository) => {
  it.effect(
    "count days by outcome, backfills by end status, each day's duration and each backfill's first wait once",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(SEED_NOW)
        yield* schedule("2024-01-01", "2024-01-03")
        const december = yield* schedule("2023-12-01", "2023-12-02")
        yield* Metrics.recordBackfillGauges
        expect(yield* gauge(Metric.tagged(Metrics.backfillsWithWork, "backfill.status", "CREATED"))).toBe(2)
        expect(yield* gauge(Metrics.pendingDays)).toBe(5)
        expect(yield* gauge(Metrics.runningDays)).toBe(0)

        yield* TestClock.adjust(Duration.seconds(10))
        const worked = yield* changedBy(drain("2023-12-02"))
        expect(worked).toMatchObject({
          completedDays: 4,
          failedDays: 1,
          completedBackfills: 1,
          failedBackfills: 1,
          dayDuration: { count: 5, sum: 10 }
        })
        // Each waited 10 s for the worker, and the later one also for the other's first day.
        expect((worked.wait as { count: number }).count).toBe(2)
        expect((worked.wait as { sum: number }).sum).toBeGreaterThanOrEqual(20)

        yield* Metrics.recordBackfillGauges
        expect(yield* gauge(Metric.tagged(Metrics.backfillsWithWork, "backfill.status", "CREATED"))).toBe(0)
        expect(yield* gauge(Metrics.pendingDays)).toBe(0)

        const retried = yield* changedBy(Effect.zipRight(retry(december), drain()))
        expect(retried).toMatchObject({
          retried: 1,
          completedDays: 1,
          failedDays: 0,
          completedBackfills: 1,
          wait: { count: 0, sum: 0 }
        })
      }).pipe(Effect.provide(servicesOn(repository()))),
    120_000
  )
})

describe("worker metrics", () => {
  /** The in-memory store, with its worker port's `method` replaced. */
  const withWorkerMethod = (replace: Partial<WorkerRepository["Type"]>) =>
    Layer.effect(
      WorkerRepository,
      Effect.map(WorkerRepository, (worker) => ({ ...worker, ...replace }))
    ).pipe(Layer.provideMerge(layerMemoryBackfillRepository()))

  it.effect("count a lease lost to another worker", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      yield* schedule("2024-01-01", "2024-01-02")
      const lost = yield* changedBy(
        Worker.processNextBackfill({
          workerId: WorkerId.make("losing"),
          leaseDuration: Duration.seconds(30),
          execute: () => Effect.succeed(completed)
        })
      )
      expect(lost).toMatchObject({ leasesLost: 1, completedDays: 0 })
    }).pipe(
      Effect.provide(
        servicesOn(
          withWorkerMethod({
            startNextRun: (lease) =>
              Effect.fail(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))
          })
        )
      )
    )
  )

  it.effect("count a day reported twice once, and a cancelled backfill's late last day without ending it again", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const id = yield* schedule("2024-01-01", "2024-01-02")
      const lease = Option.getOrThrow(yield* Worker.claimBackfill(WorkerId.make("w1"), Duration.seconds(30)))
      yield* Worker.materialiseRuns(lease.backfillId)
      const first = Option.getOrThrow(yield* Worker.startNextRun(lease))
      // A host's own loop that reports again after losing the first answer.
      const reportedTwice = yield* changedBy(
        Effect.repeatN(Worker.recordRunOutcome(lease.backfillId, first.day, completed, lease), 1)
      )
      expect(reportedTwice).toMatchObject({ completedDays: 1, completedBackfills: 0 })
      const last = Option.getOrThrow(yield* Worker.startNextRun(lease))
      const cancelledMeanwhile = yield* changedBy(
        Effect.zipRight(cancel(id), Worker.recordRunOutcome(lease.backfillId, last.day, completed, lease))
      )
      expect(cancelledMeanwhile).toMatchObject({ completedDays: 1, cancelledBackfills: 1, completedBackfills: 0 })
    }).pipe(Effect.provide(servicesOn(layerMemoryBackfillRepository())))
  )

  it.effect("count the loop's failed steps by the error's tag", () =>
    Effect.gen(function* () {
      const failing = yield* changedBy(
        Effect.gen(function* () {
          const loop = yield* Effect.fork(
            Worker.runWorker({
              workerId: WorkerId.make("failing"),
              leaseDuration: Duration.seconds(30),
              pollInterval: Duration.seconds(1),
              execute: () => Effect.succeed(completed)
            })
          )
          for (let second = 0; second < 5; second++) yield* TestClock.adjust(Duration.seconds(1))
          yield* Fiber.interrupt(loop)
        })
      )
      expect(failing.unavailableSteps).toBeGreaterThanOrEqual(5)
    }).pipe(
      Effect.provide(
        servicesOn(
          withWorkerMethod({
            claim: () => Effect.fail(new ServiceUnavailable({ cause: new Error("connection refused") }))
          })
        )
      )
    )
  )
})
