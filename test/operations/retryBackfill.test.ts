import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { BackfillId } from "../../src/domain/ids.js"
import { handleListBackfillRuns, handleRetryBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import { retryBackfill } from "../../src/operations/retryBackfill.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { SEED_SCHEDULE_RESPONSE_BODY } from "../fixtures/seed.js"
import { call, NOT_FOUND_BACKFILL, type WireBackfill } from "./http.js"
import {
  bearer,
  PRINCIPALS,
  SEED_NOW,
  SEED_TRANSFER,
  seedTransferBackfill,
  TEAM_1,
  TEAM_2,
  TEAM_2_TRANSFER,
  world
} from "./world.js"

const seeded = () =>
  world({
    seed: [
      seedTransferBackfill(1n, "CREATED"),
      seedTransferBackfill(3n, "RUNNING"),
      seedTransferBackfill(4n, "FAILED"),
      seedTransferBackfill(5n, "COMPLETED"),
      seedTransferBackfill(6n, "CANCELLED"),
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

const retry = (
  backfillId: string,
  options: { body?: unknown; authorization?: string; team?: string; path?: Record<string, unknown> } = {}
) =>
  call(
    handleRetryBackfill({
      authorization: options.authorization ?? bearer("admin"),
      path: options.path ?? { team_id: options.team ?? "1", backfill_id: backfillId },
      ...("body" in options ? { body: options.body } : {})
    })
  )

const ledger = (backfillId: string) =>
  Effect.map(
    call(
      handleListBackfillRuns({
        authorization: bearer("admin"),
        path: { team_id: "1", backfill_id: backfillId },
        query: {}
      })
    ),
    (response) =>
      (response.data as ReadonlyArray<{ transfer_run_date: string; status: string; attempts: number }>).map(
        (run) => `${run.transfer_run_date} ${run.status} ${run.attempts}`
      )
  )

const SEED_BACKFILL = (JSON.parse(SEED_SCHEDULE_RESPONSE_BODY) as { data: Record<string, unknown> }).data

const unprocessable = (description: string) => ({
  code: "UNPROCESSABLE_ENTITY",
  message: "Validation failed for the request parameters.",
  description
})

describe("retry", () => {
  it.effect.each<readonly [string, unknown]>([
    ["no body", undefined],
    ["an empty body", ""],
    ["{}", "{}"],
    ["the failed day named", '{"days":["2023-04-01"]}'],
    ["the day named twice", { days: ["2023-04-01", "2023-04-01"] }]
  ])("queues a FAILED backfill's failed day again with %s: SCHEDULED, counters and report adjusted", ([, body]) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW + 60_000)
      const response = yield* retry("4", body === undefined ? {} : { body })
      expect(response.status).toBe(200)
      expect(response.data).toMatchObject({
        transfer_backfill_id: 4,
        status: "SCHEDULED",
        end_time: null,
        transfer_runs_total: 5,
        transfer_runs_created: 5,
        transfer_runs_completed: 4,
        transfer_runs_failed: 0,
        error_report: []
      })
      // The entity's keys in SPEC order, as the seed's own answer has them.
      expect(Object.keys(response.data as WireBackfill)).toEqual(Object.keys(SEED_BACKFILL))
      expect((yield* ledger("4"))[4]).toBe("2023-04-01 pending 2")
    }).pipe(Effect.provide(seeded()))
  )

  it.effect("names the days that have not failed, in date order, and retries nothing", () =>
    Effect.gen(function* () {
      const one = yield* retry("4", { body: '{"days":["2023-04-01","2023-04-03"]}' })
      expect([one.status, one.error]).toEqual([
        422,
        unprocessable("Day 2023-04-03 has not failed in backfill 4; only failed days can be retried.")
      ])
      const many = yield* retry("4", {
        body: { days: ["2023-05-09", "2023-04-05", "2023-04-02", "2023-04-01", "2023-04-04", "2023-04-03"] }
      })
      expect(many.error).toEqual(
        unprocessable(
          "Days 2023-04-02, 2023-04-03, 2023-04-04, 2023-04-05, 2023-05-09 have not failed in backfill 4; only failed days can be retried."
        )
      )
      const ten = Array.from({ length: 10 }, (_, index) => `2022-01-${String(index + 10)}`)
      expect((yield* retry("4", { body: { days: ten } })).error.description).toBe(
        `Days ${ten.join(", ")} have not failed in backfill 4; only failed days can be retried.`
      )
      const twelve = Array.from({ length: 12 }, (_, index) => `2022-01-${String(index + 10)}`)
      const counted = yield* retry("4", { body: { days: twelve } })
      expect(counted.error.description).toBe(
        `Days ${twelve.slice(0, 10).join(", ")} and 2 more have not failed in backfill 4; only failed days can be retried.`
      )
      expect((yield* ledger("4"))[4]).toBe("2023-04-01 failed 1")
    }).pipe(Effect.provide(seeded()))
  )

  it.effect.each<readonly [string, string]>([
    ["1", "Backfill 1 has no failed days to retry."],
    ["3", "Backfill 3 has no failed days to retry."],
    ["5", "Backfill 5 has no failed days to retry."],
    ["6", "Backfill 6 is CANCELLED; a cancelled backfill cannot be retried."]
  ])("refuses backfill %s with 422", ([id, description]) =>
    Effect.gen(function* () {
      const response = yield* retry(id)
      expect([response.status, response.error]).toEqual([422, unprocessable(description)])
    }).pipe(Effect.provide(seeded()))
  )

  it.effect.each<readonly [string, unknown, string]>([
    ["a date that does not exist", '{"days":["2023-02-30"]}', "days[0] "],
    ["a date in another form", { days: ["2023-04-01", "2023-4-01"] }, "days[1] "],
    ["an empty list", '{"days":[]}', "days must name at least one day; leave it out to retry every failed day."]
  ])("answers %s with 422 naming it", ([, body, description]) =>
    Effect.gen(function* () {
      const response = yield* retry("4", { body })
      expect(response.status).toBe(422)
      expect(response.error.description?.startsWith(description)).toBe(true)
    }).pipe(Effect.provide(seeded()))
  )

  it.effect.each<readonly [string, unknown]>([
    ["not JSON", "{days:"],
    ["not an object", '["2023-04-01"]'],
    ["days not an array", '{"days":"2023-04-01"}'],
    ["a day not a string", '{"days":[20230401]}'],
    ["an unknown field", '{"days":["2023-04-01"],"force":true}']
  ])("answers a body that is %s with 400", ([, body]) =>
    Effect.gen(function* () {
      const response = yield* retry("4", { body })
      expect([response.status, response.error.code]).toEqual([400, "BAD_REQUEST"])
    }).pipe(Effect.provide(seeded()))
  )

  it.effect("checks in SPEC order: token, path, team, scope, permission, existence, body, meaning", () =>
    Effect.gen(function* () {
      const bad = '{"days":"x"}'
      const codes = [
        yield* retry("4", { authorization: "Bearer nobody", body: bad, path: { team_id: "x", backfill_id: "4" } }),
        yield* retry("4", { body: bad, path: { team_id: "01", backfill_id: "4" } }),
        yield* retry("4", { body: bad, path: { team_id: "1", backfill_id: "-4" } }),
        yield* retry("7", { team: "2", body: bad }),
        yield* retry("4", { authorization: bearer("viewer"), body: bad }),
        yield* retry("4", { authorization: bearer("noPermission"), body: bad }),
        yield* retry("7", { body: bad }),
        yield* retry("4", { body: bad }),
        yield* retry("4", { body: '{"days":["2023-04-31"]}' })
      ].map((response) => [response.status, response.error.code])
      expect(codes).toEqual([
        [401, "UNAUTHORIZED"],
        [400, "BAD_REQUEST"],
        [400, "BAD_REQUEST"],
        [403, "FORBIDDEN"],
        [403, "FORBIDDEN"],
        [403, "PERMISSION_ERROR"],
        [404, "NOT_FOUND"],
        [400, "BAD_REQUEST"],
        [422, "UNPROCESSABLE_ENTITY"]
      ])
      expect((yield* retry("7")).error).toEqual(NOT_FOUND_BACKFILL)
    }).pipe(Effect.provide(seeded()))
  )

  it.effect("retries every failed day when the command names none, as a host that is not HTTP calls it", () =>
    Effect.gen(function* () {
      const retried = yield* retryBackfill({
        principal: PRINCIPALS.admin,
        teamId: TEAM_1,
        backfillId: BackfillId.make(4n)
      })
      expect([retried.status, retried.runs.failed]).toEqual(["SCHEDULED", 0])
    }).pipe(Effect.provide(seeded()))
  )

  it.effect("tells a retry with another body from one without, under one key", () =>
    Effect.gen(function* () {
      const keyed = (body: string | undefined) =>
        call(
          handleRetryBackfill({
            authorization: bearer("admin"),
            path: { team_id: "1", backfill_id: "4" },
            idempotencyKey: "retry-0001",
            ...(body === undefined ? {} : { body })
          })
        )
      expect((yield* keyed('{"days":["2023-04-01"]}')).status).toBe(200)
      expect((yield* keyed('{"days":["2023-04-01"]}')).status).toBe(200)
      expect((yield* keyed(undefined)).error.code).toBe("DUPLICATION_FAILED")
    }).pipe(Effect.provide(seeded()))
  )

  it.effect("keeps the retried backfill's range: it is active throughout, so an overlapping schedule is a 409", () =>
    Effect.gen(function* () {
      yield* retry("4")
      const overlapping = yield* call(
        handleScheduleBackfill({
          authorization: bearer("admin"),
          path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
          body: { range_start: "2023-04-05", range_end: "2023-04-10" }
        })
      )
      expect([overlapping.status, overlapping.error.description]).toEqual([
        409,
        "The range overlaps active backfill 4 (2023-04-01 to 2023-04-05, status SCHEDULED) on 2023-04-05."
      ])
      const response = yield* call(
        handleRetryBackfill({ authorization: bearer("admin"), path: { team_id: "1", backfill_id: "4" } })
      )
      expect(response.error.description).toBe("Backfill 4 has no failed days to retry.")
    }).pipe(Effect.provide(seeded()))
  )
})
