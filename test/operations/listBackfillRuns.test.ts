import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { completed, failed, WorkerId } from "../../src/domain/runs.js"
import {
  handleCancelBackfill,
  handleListBackfillRuns,
  handleListIncompleteBackfills
} from "../../src/http/endpoints.js"
import type { QueryParams } from "../../src/http/request.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { call, NOT_FOUND_BACKFILL, scheduleSeedBackfill } from "./http.js"
import { bearer, SEED_NOW, TEAM_2, TEAM_2_TRANSFER, world } from "./world.js"

const runs = (backfillId: string, query: QueryParams = {}, options: { authorization?: string; team?: string } = {}) =>
  call(
    handleListBackfillRuns({
      authorization: options.authorization ?? bearer("admin"),
      path: { team_id: options.team ?? "1", backfill_id: backfillId },
      query
    })
  )

interface WireRun {
  readonly transfer_run_date: string
  readonly status: string
  readonly attempts: number
}

const days = (data: unknown) => (data as ReadonlyArray<WireRun>).map((run) => run.transfer_run_date)

/** A 10-day backfill of the seed's transfer, every run created; the worker has started the two latest days. */
const tenDays = Effect.gen(function* () {
  const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-10")
  const worker = yield* WorkerRepository
  yield* worker.materialiseRuns(id, 100)
  const lease = Option.getOrThrow(yield* worker.claim(WorkerId.make("w"), SEED_NOW, 600_000))
  yield* worker.startNextRun(lease, SEED_NOW + 1000)
  yield* worker.recordOutcome(id, "2024-01-10" as CalendarDate, completed, SEED_NOW + 61_000)
  yield* worker.startNextRun(lease, SEED_NOW + 62_000)
  yield* worker.recordOutcome(id, "2024-01-09" as CalendarDate, failed("Quota exceeded"), SEED_NOW + 63_000)
  yield* worker.recordOutcome(id, "2024-01-01" as CalendarDate, failed("x".repeat(1500)), SEED_NOW + 64_000)
  return String(id)
})

describe("the ledger", () => {
  it.effect("shows each run in processing order with its status, attempts, times and error", () =>
    Effect.gen(function* () {
      const id = yield* tenDays
      const response = yield* runs(id, {}, { authorization: bearer("viewer") })
      expect(response.status).toBe(200)
      const data = response.data as ReadonlyArray<Record<string, unknown>>
      expect(days(data)).toEqual([
        "2024-01-10",
        "2024-01-09",
        "2024-01-08",
        "2024-01-07",
        "2024-01-06",
        "2024-01-05",
        "2024-01-04",
        "2024-01-03",
        "2024-01-02",
        "2024-01-01"
      ])
      expect(data.slice(0, 3)).toEqual([
        {
          transfer_run_date: "2024-01-10",
          status: "completed",
          attempts: 1,
          started_time: "2024-02-01T09:00:01Z",
          ended_time: "2024-02-01T09:01:01Z",
          error: null
        },
        {
          transfer_run_date: "2024-01-09",
          status: "failed",
          attempts: 1,
          started_time: "2024-02-01T09:01:02Z",
          ended_time: "2024-02-01T09:01:03Z",
          error: "Quota exceeded"
        },
        {
          transfer_run_date: "2024-01-08",
          status: "pending",
          attempts: 1,
          started_time: null,
          ended_time: null,
          error: null
        }
      ])
      expect(data[9]).toMatchObject({ status: "failed", error: "x".repeat(1000) })
      expect(response.headers.link).toBeUndefined()
      expect(response.nextCursor).toBeNull()
    }).pipe(Effect.provide(world()))
  )

  it.effect("pages with signed cursors that neither repeat nor skip, under a status filter", () =>
    Effect.gen(function* () {
      const id = yield* tenDays
      const seen: Array<string> = []
      let query: QueryParams = { status: "pending,failed", limit: "3" }
      const links: Array<string | undefined> = []
      for (let page = 0; page < 10; page++) {
        const response = yield* runs(id, query)
        expect(response.status).toBe(200)
        expect(days(response.data)).toHaveLength(3)
        seen.push(...days(response.data))
        links.push(response.headers.link)
        if (response.nextCursor === null) break
        query = { status: "pending,failed", limit: "3", cursor: response.nextCursor }
      }
      expect(seen).toEqual([
        "2024-01-09",
        "2024-01-08",
        "2024-01-07",
        "2024-01-06",
        "2024-01-05",
        "2024-01-04",
        "2024-01-03",
        "2024-01-02",
        "2024-01-01"
      ])
      expect(links).toHaveLength(3)
      expect(links[0]).toMatch(/^<\?status=pending,failed&limit=3&cursor=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>; rel="next"$/)
      expect(links.at(-1)).toBeUndefined()
      expect(days((yield* runs(id, { status: ["completed"] })).data)).toEqual(["2024-01-10"])
    }).pipe(Effect.provide(world()))
  )

  it.effect("shows a day a worker is running as running, started and not ended, and filters by it", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      const worker = yield* WorkerRepository
      yield* worker.materialiseRuns(id, 100)
      const lease = Option.getOrThrow(yield* worker.claim(WorkerId.make("w"), SEED_NOW, 600_000))
      yield* worker.startNextRun(lease, SEED_NOW + 1000)
      expect((yield* runs(String(id), { status: "running" })).data).toEqual([
        {
          transfer_run_date: "2024-01-02",
          status: "running",
          attempts: 1,
          started_time: "2024-02-01T09:00:01Z",
          ended_time: null,
          error: null
        }
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("shows cancelled runs as cancelled, and filters by it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-03")
      const worker = yield* WorkerRepository
      yield* worker.materialiseRuns(id, 100)
      yield* call(
        handleCancelBackfill({
          authorization: bearer("admin"),
          path: { team_id: "1", backfill_id: String(id) },
          body: '{"status":"CANCELLED"}'
        })
      )
      const cancelled = (yield* runs(String(id), { status: "cancelled" })).data as ReadonlyArray<
        Record<string, unknown>
      >
      expect(cancelled.map((run) => [run.status, run.ended_time])).toEqual([
        ["cancelled", "2024-02-01T09:00:00Z"],
        ["cancelled", "2024-02-01T09:00:00Z"],
        ["cancelled", "2024-02-01T09:00:00Z"]
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("refuses cursors of another ledger or filter, and malformed query parameters, with 400", () =>
    Effect.gen(function* () {
      const id = yield* tenDays
      const other = yield* scheduleSeedBackfill("2023-12-01", "2023-12-10")
      yield* (yield* WorkerRepository).materialiseRuns(other, 100)
      const cursor = (yield* runs(id, { limit: "2" })).nextCursor ?? ""
      const listingCursor =
        (yield* call(
          handleListIncompleteBackfills({
            authorization: bearer("admin"),
            path: { team_id: "1" },
            query: { limit: "1" }
          })
        )).nextCursor ?? ""
      const pendingCursor = (yield* runs(id, { status: "pending", limit: "2" })).nextCursor ?? ""
      expect(pendingCursor).not.toBe("")
      // The most a page holds is a page like any other.
      expect((yield* runs(id, { limit: "100" })).status).toBe(200)
      const answers = [
        yield* runs(String(other), { limit: "2", cursor }),
        yield* runs(id, { status: "failed", limit: "2", cursor }),
        // As many statuses as the cursor's filter, but others.
        yield* runs(id, { status: "completed", limit: "2", cursor: pendingCursor }),
        yield* runs(id, { cursor: `${cursor.slice(0, -2)}AA` }),
        yield* runs(id, { status: "dropped" }),
        yield* runs(id, { limit: "0" }),
        yield* runs(id, { limit: "101" }),
        yield* runs(id, { page: "2" }),
        yield* runs(id, { cursor: listingCursor })
      ].map((response) => [response.status, response.error.description])
      expect(answers).toEqual([
        [400, "Query parameter cursor belongs to another listing; repeat the first page's status filter."],
        [400, "Query parameter cursor belongs to another listing; repeat the first page's status filter."],
        [400, "Query parameter cursor belongs to another listing; repeat the first page's status filter."],
        [400, "Query parameter cursor is not a cursor this service issued."],
        [
          400,
          'Query parameter status must name run statuses among pending, running, completed, failed, cancelled; got "dropped".'
        ],
        [400, 'Query parameter limit must be an integer between 1 and 100; got "0".'],
        [400, 'Query parameter limit must be an integer between 1 and 100; got "101".'],
        [400, expect.stringContaining("page")],
        [400, "Query parameter cursor belongs to another listing; repeat the first page's status filter."]
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("checks in SPEC order and hides other teams' backfills", () =>
    Effect.gen(function* () {
      const id = yield* tenDays
      const answers = [
        yield* runs(id, { limit: "x" }, { authorization: "Bearer nobody" }),
        yield* runs("0", { limit: "x" }),
        yield* runs(id, { limit: "x" }, { team: "2" }),
        yield* runs(id, { limit: "x" }, { authorization: bearer("noAccess") }),
        yield* runs("7", { limit: "x" }),
        yield* runs(id, { limit: "x" })
      ].map((response) => [response.status, response.error.code])
      expect(answers).toEqual([
        [401, "UNAUTHORIZED"],
        [400, "BAD_REQUEST"],
        [403, "FORBIDDEN"],
        [403, "PERMISSION_ERROR"],
        [404, "NOT_FOUND"],
        [400, "BAD_REQUEST"]
      ])
      expect((yield* runs("7")).error).toEqual(NOT_FOUND_BACKFILL)
    }).pipe(
      Effect.provide(
        world({
          seed: [
            {
              teamId: TEAM_2,
              backfill: backfillInStatus("FAILED", {
                id: 7n,
                transferId: TEAM_2_TRANSFER,
                start: "2023-07-01",
                end: "2023-07-02"
              })
            }
          ]
        })
      )
    )
  )

  it.effect("is empty while a backfill has no runs yet", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-10")
      const response = yield* runs(String(id))
      expect([response.status, response.data]).toEqual([200, []])
    }).pipe(Effect.provide(world()))
  )
})
