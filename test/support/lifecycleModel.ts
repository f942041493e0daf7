/**
 * A state-machine test of the whole lifecycle: random sequences of schedule, cancel,
 * materialise, claim, start, record, retry (the worker's, and the API's of chosen days),
 * renewal, release and the passing of time, against a repository, with SPEC §4's rules
 * checked after every step, and the ledger of every backfill against its counters.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, type Layer, Option } from "effect"
import { type Backfill, newBackfill } from "../../src/domain/backfill.js"
import { type CalendarDate, compareDates } from "../../src/domain/calendarDate.js"
import { containsDay, makeDateRange, overlaps } from "../../src/domain/dateRange.js"
import { type BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, type DayRun, failed, isLeaseLive, type Lease, RunState, WorkerId } from "../../src/domain/runs.js"
import { type BackfillStatus, canTransition, isActive, isFinal } from "../../src/domain/status.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import type { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { repositories } from "./access.js"

const TEAM = TeamId.make(1n)
const TRANSFERS = [TransferId.make(1n), TransferId.make(2n)] as const
const WORKERS = ["w0", "w1", "w2"].map((name) => WorkerId.make(name))
const LEASE_MS = 30_000
const START = 1706778000000

const dayOf = (offset: number) => new Date(Date.UTC(2024, 0, 1 + offset)).toISOString().slice(0, 10) as CalendarDate

type Action =
  | { readonly _tag: "Schedule"; readonly transfer: 0 | 1; readonly start: number; readonly length: number }
  | { readonly _tag: "Cancel"; readonly pick: number }
  | { readonly _tag: "Materialise"; readonly pick: number; readonly maxDays: number }
  | { readonly _tag: "Claim"; readonly worker: number }
  | { readonly _tag: "StartNext"; readonly worker: number }
  | { readonly _tag: "Record"; readonly pick: number; readonly dayOffset: number; readonly fails: boolean }
  | { readonly _tag: "Retry"; readonly pick: number }
  | { readonly _tag: "RetryDays"; readonly pick: number; readonly dayOffsets: ReadonlyArray<number> | null }
  | { readonly _tag: "Renew"; readonly worker: number }
  | { readonly _tag: "Release"; readonly worker: number }
  | { readonly _tag: "Advance"; readonly seconds: number }

const worker = fc.integer({ min: 0, max: WORKERS.length - 1 })
/** Mostly one of the first few backfills, so that each is driven far enough to end. */
const pick = fc.oneof(fc.nat(2), fc.nat(20))

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("Schedule" as const),
      transfer: fc.constantFrom(0 as const, 1 as const),
      start: fc.nat(12),
      length: fc.integer({ min: 1, max: 4 })
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Cancel" as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constant("Materialise" as const), pick, maxDays: fc.integer({ min: 0, max: 5 }) })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Claim" as const), worker }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("StartNext" as const), worker }) },
  {
    weight: 8,
    arbitrary: fc.record({
      _tag: fc.constant("Record" as const),
      pick,
      dayOffset: fc.integer({ min: -1, max: 4 }),
      fails: fc.boolean()
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Retry" as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("RetryDays" as const),
      pick,
      dayOffsets: fc.option(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }))
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Renew" as const), worker }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Release" as const), worker }) },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("Advance" as const), seconds: fc.integer({ min: 1, max: 40 }) })
  }
)

const ALL_RUNS = { states: RunState.literals, before: Option.none(), limit: 1000 }

/** What the test knows independently of the repository. */
interface Model {
  now: number
  readonly ids: Array<BackfillId>
  readonly leases: Array<Lease | undefined>
  readonly statuses: Map<BackfillId, BackfillStatus>
  /** Days whose outcome was counted and still stands (a retry takes failed ones back). */
  readonly reported: Map<BackfillId, Map<CalendarDate, "completed" | "failed">>
  /** How often each day was retried. */
  readonly retries: Map<BackfillId, Map<CalendarDate, number>>
}

const retried = (model: Model, id: BackfillId, days: Iterable<CalendarDate>) => {
  const reported = model.reported.get(id) ?? new Map()
  const retries = model.retries.get(id) ?? new Map()
  for (const day of days) {
    reported.delete(day)
    retries.set(day, (retries.get(day) ?? 0) + 1)
  }
  model.retries.set(id, retries)
}

/** SPEC §4 and the ledger's promises: one entry per run, counted as the counters count. */
const checkLedger = (model: Model, backfill: Backfill, ledger: ReadonlyArray<DayRun>) => {
  const { created, completed: done, failed: failedCount } = backfill.runs
  expect(ledger).toHaveLength(created)
  expect(ledger.filter((run) => run.state === "completed")).toHaveLength(done)
  expect(ledger.filter((run) => run.state === "failed")).toHaveLength(failedCount)
  expect(
    ledger
      .filter((run) => run.state === "failed")
      .map((run) => ({ day: run.day, error: Option.getOrThrow(run.error) }))
      .reverse()
  ).toEqual(backfill.errorReport)
  const retries = model.retries.get(backfill.id) ?? new Map<CalendarDate, number>()
  for (const [index, run] of ledger.entries()) {
    expect(containsDay(backfill.range, run.day)).toBe(true)
    const previous = ledger[index - 1]
    if (previous !== undefined) expect(compareDates(previous.day, run.day)).toBe(1)
    expect(run.attempts).toBe(1 + (retries.get(run.day) ?? 0))
    expect(Option.isSome(run.error)).toBe(run.state === "failed")
    const reported = run.state === "completed" || run.state === "failed"
    expect(Option.isSome(run.startedTime)).toBe(reported || run.state === "running")
    expect(Option.isSome(run.endedTime)).toBe(reported || run.state === "dropped")
    if (run.state === "dropped") expect(backfill.status).toBe("CANCELLED")
  }
}

const SCHEDULED_THEN_FINISHED = new Set(["SCHEDULED>COMPLETED", "SCHEDULED>FAILED"])

const checkInvariants = (model: Model, backfills: ReadonlyArray<Backfill>) => {
  for (const backfill of backfills) {
    const { total, created, completed: done, failed: failedCount } = backfill.runs
    expect(done + failedCount).toBeLessThanOrEqual(created)
    expect(created).toBeLessThanOrEqual(total)
    expect(backfill.errorReport).toHaveLength(failedCount)
    for (const [index, entry] of backfill.errorReport.entries()) {
      expect(containsDay(backfill.range, entry.day)).toBe(true)
      const previous = backfill.errorReport[index - 1]
      if (previous !== undefined) expect(compareDates(previous.day, entry.day)).toBe(-1)
    }
    const before = model.statuses.get(backfill.id) ?? "CREATED"
    const moved = `${before}>${backfill.status}`
    // A pending day's report can start and finish a SCHEDULED backfill in one step.
    expect(
      before === backfill.status || canTransition(before, backfill.status) || SCHEDULED_THEN_FINISHED.has(moved),
      moved
    ).toBe(true)
    if (isFinal(before)) expect(backfill.status).toBe(before)
    model.statuses.set(backfill.id, backfill.status)
    const reported = model.reported.get(backfill.id) ?? new Map()
    expect([...reported.values()].filter((outcome) => outcome === "completed")).toHaveLength(done)
    expect([...reported.values()].filter((outcome) => outcome === "failed")).toHaveLength(failedCount)
  }
  for (const transferId of TRANSFERS) {
    const active = backfills.filter((backfill) => backfill.transferId === transferId && isActive(backfill.status))
    for (const [index, a] of active.entries()) {
      for (const b of active.slice(index + 1)) expect(overlaps(a.range, b.range)).toBe(false)
    }
  }
}

const step = (model: Model, next: Action) =>
  Effect.gen(function* () {
    const repository = yield* repositories
    const chosen = (index: number) => model.ids[index % Math.max(model.ids.length, 1)]
    switch (next._tag) {
      case "Schedule": {
        const range = Either.getOrThrow(makeDateRange(dayOf(next.start), dayOf(next.start + next.length - 1)))
        const draft = newBackfill({
          transferId: TRANSFERS[next.transfer],
          range,
          createdTime: epochSecondsFromMillis(model.now),
          createdUserId: UserId.make(7n)
        })
        const existing = yield* Effect.forEach(model.ids, (id) =>
          Effect.map(repository.findById(id), Option.getOrThrow)
        )
        const blocking = existing.filter(
          (backfill) =>
            backfill.transferId === draft.transferId && isActive(backfill.status) && overlaps(backfill.range, range)
        )
        const outcome = yield* Effect.either(repository.insertUnlessOverlapping(TEAM, draft))
        expect(Either.isLeft(outcome)).toBe(blocking.length > 0)
        if (Either.isLeft(outcome) && outcome.left._tag === "ActiveRangeOverlap") {
          expect(blocking).toContainEqual(outcome.left.conflicting)
        }
        if (Either.isRight(outcome)) {
          model.ids.push(outcome.right.id)
          model.reported.set(outcome.right.id, new Map())
        }
        return
      }
      case "Cancel": {
        const id = chosen(next.pick)
        if (id !== undefined)
          yield* Effect.either(
            repository.cancel(id, { time: epochSecondsFromMillis(model.now), userId: UserId.make(8n) })
          )
        return
      }
      case "Materialise": {
        const id = chosen(next.pick)
        if (id !== undefined) yield* repository.materialiseRuns(id, next.maxDays)
        return
      }
      case "Claim": {
        const lease = yield* repository.claim(WORKERS[next.worker] as WorkerId, model.now, LEASE_MS)
        if (Option.isSome(lease)) {
          for (const [other, held] of model.leases.entries()) {
            if (other !== next.worker && held !== undefined && held.backfillId === lease.value.backfillId) {
              // The backfill was handed over: the previous lease must have lapsed or been given up.
              expect(isLeaseLive(held, model.now) && held.fence === lease.value.fence).toBe(false)
              expect(lease.value.fence).toBeGreaterThan(held.fence)
            }
          }
          model.leases[next.worker] = lease.value
        }
        return
      }
      case "StartNext": {
        const lease = model.leases[next.worker]
        if (lease !== undefined) yield* Effect.either(repository.startNextRun(lease, model.now))
        return
      }
      case "Record": {
        const id = chosen(next.pick)
        if (id === undefined) return
        const backfill = Option.getOrThrow(yield* repository.findById(id))
        const day = dayOf(Number(backfill.range.start.slice(8)) - 1 + next.dayOffset)
        const run = (yield* repository.runsOf(id, ALL_RUNS)).find((entry) => entry.day === day)
        const outcome = yield* Effect.either(
          repository.recordOutcome(id, day, next.fails ? failed("boom") : completed, model.now)
        )
        const reported = model.reported.get(id) ?? new Map()
        if (Either.isRight(outcome)) {
          // A retried day counts only the outcome of its new attempt, once that has started.
          const retriedButNotStarted = run?.state === "pending" && run.attempts > 1
          expect(outcome.right.counted).toBe(!reported.has(day) && !retriedButNotStarted)
          if (outcome.right.counted) reported.set(day, next.fails ? "failed" : "completed")
        } else {
          expect(reported.has(day)).toBe(false)
        }
        return
      }
      case "Retry": {
        const id = chosen(next.pick)
        if (id === undefined) return
        const failedDays = [...(model.reported.get(id) ?? new Map())].filter(([, outcome]) => outcome === "failed")
        const outcome = yield* Effect.either(repository.retryFailedDays(id))
        if (Either.isRight(outcome))
          retried(
            model,
            id,
            failedDays.map(([day]) => day)
          )
        return
      }
      case "RetryDays": {
        const id = chosen(next.pick)
        if (id === undefined) return
        const backfill = Option.getOrThrow(yield* repository.findById(id))
        const failedDays = new Set(
          [...(model.reported.get(id) ?? new Map())].filter(([, outcome]) => outcome === "failed").map(([day]) => day)
        )
        const first = Number(backfill.range.start.slice(8)) - 1
        const days = next.dayOffsets === null ? null : next.dayOffsets.map((offset) => dayOf(first + offset))
        const outcome = yield* Effect.either(repository.retry(id, Option.fromNullable(days)))
        const notFailed = [...new Set(days ?? [])].filter((day) => !failedDays.has(day)).sort()
        if (backfill.status === "CANCELLED") {
          expect(Either.isLeft(outcome) && outcome.left._tag).toBe("IllegalTransition")
        } else if (notFailed.length > 0) {
          expect(Either.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "DaysNotFailed", days: notFailed })
        } else if (days === null ? failedDays.size === 0 : days.length === 0) {
          expect(Either.isLeft(outcome) && outcome.left._tag).toBe("NoFailedDays")
        } else {
          expect(Either.isRight(outcome)).toBe(true)
          retried(model, id, new Set(days ?? failedDays))
        }
        return
      }
      case "Renew": {
        const lease = model.leases[next.worker]
        if (lease === undefined) return
        const renewed = yield* Effect.either(repository.renewLease(lease, model.now, LEASE_MS))
        model.leases[next.worker] = Either.getOrUndefined(renewed)
        return
      }
      case "Release": {
        const lease = model.leases[next.worker]
        if (lease !== undefined) yield* repository.releaseLease(lease)
        model.leases[next.worker] = undefined
        return
      }
      case "Advance":
        model.now += next.seconds * 1000
    }
  })

/**
 * The state-machine test on the repository `layer` builds (fresh for each sequence), with
 * `numRuns` sequences of up to `maxLength` steps.
 */
export const lifecycleModel = (
  name: string,
  layer: Layer.Layer<BackfillRepository | WorkerRepository>,
  options: { readonly numRuns: number; readonly maxLength: number; readonly timeout: number }
) =>
  describe(`the lifecycle as a state machine on ${name}`, () => {
    it.effect.prop(
      "keeps SPEC §4's invariants after every step of any sequence, and each ledger counts as its counters do",
      [fc.array(action, { minLength: 10, maxLength: options.maxLength, size: "max" })],
      ([actions]) =>
        Effect.gen(function* () {
          const repository = yield* repositories
          const model: Model = {
            now: START,
            ids: [],
            leases: WORKERS.map(() => undefined),
            statuses: new Map(),
            reported: new Map(),
            retries: new Map()
          }
          for (const next of actions) {
            yield* step(model, next)
            const backfills = yield* Effect.forEach(model.ids, (id) =>
              Effect.map(repository.findById(id), Option.getOrThrow)
            )
            checkInvariants(model, backfills)
            for (const backfill of backfills)
              checkLedger(model, backfill, yield* repository.runsOf(backfill.id, ALL_RUNS))
          }
        }).pipe(Effect.provide(layer)),
      { timeout: options.timeout, fastCheck: { numRuns: options.numRuns } }
    )
  })
