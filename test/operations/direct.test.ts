/**
 * The operations as a host without HTTP calls them (a CLI, a GraphQL resolver, an admin
 * tool): with a principal it authenticated itself, typed ids and typed commands, and the
 * domain values or typed errors back. Each runs in a named span carrying its ids.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, TestClock, Tracer } from "effect"
import { completed, WorkerId } from "../../src/domain/runs.js"
import { cancelBackfill } from "../../src/operations/cancelBackfill.js"
import { getBackfill } from "../../src/operations/getBackfill.js"
import { latestBackfill } from "../../src/operations/latestBackfill.js"
import { FIRST_PAGE, listIncompleteBackfills } from "../../src/operations/listIncompleteBackfills.js"
import { scheduleBackfill } from "../../src/operations/scheduleBackfill.js"
import * as Worker from "../../src/operations/worker.js"
import { PRINCIPALS, SEED_NOW, SEED_TRANSFER, TEAM_1, TEAM_2, world } from "./world.js"

const ids = { teamId: TEAM_1, transferId: SEED_TRANSFER }

interface Recorded {
  readonly name: string
  readonly attributes: Map<string, unknown>
}

/** The spans `effect` opens, with the attributes set on them. */
const recordSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const base = yield* Effect.tracer
    const spans: Array<Recorded> = []
    const recording = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        const recorded: Recorded = { name: args[0], attributes: new Map(span.attributes) }
        spans.push(recorded)
        const attribute = span.attribute.bind(span)
        span.attribute = (key, value) => {
          recorded.attributes.set(key, value)
          attribute(key, value)
        }
        return span
      },
      context: base.context
    })
    const result = yield* Effect.withTracer(effect, recording)
    return { result, spans }
  })

describe("the operations called directly, as a CLI or GraphQL host would", () => {
  it.effect("schedule, read, page through, cancel as an administrator, and a worker finishes the rest", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const admin = PRINCIPALS.admin
      const viewer = PRINCIPALS.viewer
      const january = yield* scheduleBackfill({
        principal: admin,
        ...ids,
        range: { range_start: "2024-01-01", range_end: "2024-01-03" }
      })
      const december = yield* scheduleBackfill({
        principal: admin,
        ...ids,
        range: { range_start: "2023-12-01", range_end: "2023-12-31" }
      })
      expect([january.status, january.runs.total, january.createdUserId]).toEqual(["CREATED", 3, admin.userId])

      expect(yield* getBackfill({ principal: viewer, teamId: TEAM_1, backfillId: january.id })).toEqual(january)
      expect(yield* latestBackfill({ principal: viewer, ...ids })).toEqual(december)
      const first = yield* listIncompleteBackfills({
        principal: viewer,
        teamId: TEAM_1,
        page: { ...FIRST_PAGE, limit: 1 }
      })
      expect(first.backfills).toEqual([december])
      const second = yield* listIncompleteBackfills({
        principal: viewer,
        teamId: TEAM_1,
        page: Option.getOrThrow(first.next)
      })
      expect([second.backfills, second.next]).toEqual([[january], Option.none()])

      const cancelled = yield* cancelBackfill({ principal: admin, teamId: TEAM_1, backfillId: december.id })
      expect(cancelled.status).toBe("CANCELLED")
      expect(Option.map(cancelled.removal, (removal) => removal.userId)).toEqual(Option.some(admin.userId))

      // A turn of three days finishes January's three in one claim.
      const worked = yield* Worker.processNextBackfill({
        workerId: WorkerId.make("cli-worker"),
        leaseDuration: Duration.seconds(30),
        daysPerTurn: 3,
        execute: () => Effect.succeed(completed)
      })
      expect(worked).toBe(true)
      expect((yield* getBackfill({ principal: viewer, teamId: TEAM_1, backfillId: january.id })).status).toBe(
        "COMPLETED"
      )
    }).pipe(Effect.provide(world()))
  )

  it.effect("answer with typed errors a host can match on, in SPEC order", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const created = yield* scheduleBackfill({
        principal: PRINCIPALS.admin,
        ...ids,
        range: { range_start: "2024-01-01", range_end: "2024-01-03" }
      })
      const viewerCancels = yield* Effect.flip(
        cancelBackfill({ principal: PRINCIPALS.viewer, teamId: TEAM_1, backfillId: created.id })
      )
      const otherTeamReads = yield* Effect.flip(
        getBackfill({ principal: PRINCIPALS.team2, teamId: TEAM_2, backfillId: created.id })
      )
      const overlapping = yield* Effect.flip(
        scheduleBackfill({
          principal: PRINCIPALS.admin,
          ...ids,
          range: { range_start: "2024-01-03", range_end: "2024-01-05" }
        })
      )
      const notADay = yield* Effect.flip(
        scheduleBackfill({
          principal: PRINCIPALS.admin,
          ...ids,
          range: { range_start: "2024-02-30", range_end: "2024-02-30" }
        })
      )
      expect([viewerCancels._tag, otherTeamReads._tag, overlapping._tag, notADay._tag]).toEqual([
        "Forbidden",
        "NotFound",
        "Conflict",
        "UnprocessableEntity"
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("run in named spans, the ids as attributes, with each port call a span of its own", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const { spans } = yield* recordSpans(
        scheduleBackfill({
          principal: PRINCIPALS.admin,
          ...ids,
          range: { range_start: "2024-01-01", range_end: "2024-01-01" }
        })
      )
      const names = spans.map((span) => span.name)
      expect(names).toEqual([
        "scheduleBackfill",
        "TransferLookup.findTeamTransfer",
        "BackfillRepository.insertUnlessOverlapping"
      ])
      expect(Object.fromEntries(spans[0]?.attributes ?? [])).toMatchObject({ team_id: "1", transfer_id: "456789" })
      const worker = yield* recordSpans(
        Worker.processNextBackfill({
          workerId: WorkerId.make("traced"),
          leaseDuration: Duration.seconds(30),
          execute: () => Effect.succeed(completed)
        })
      )
      const workerNames = new Set(worker.spans.map((span) => span.name))
      for (const step of ["claim", "materialiseRuns", "startNextRun", "recordOutcomeAndRelease"]) {
        expect(workerNames).toContain(`WorkerRepository.${step}`)
      }
      // A turn of one day: the lease went with the day's outcome.
      expect(workerNames).not.toContain("WorkerRepository.releaseLease")
      const recorded = worker.spans.find((span) => span.name === "WorkerRepository.recordOutcomeAndRelease")
      expect(recorded?.attributes.get("backfill_id")).toBe("1")
    }).pipe(Effect.provide(world()))
  )
})
