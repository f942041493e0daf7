import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { handleCancelBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { call, NOT_FOUND_BACKFILL, type WireBackfill } from "./http.js"
import { bearer, SEED_NOW, SEED_TRANSFER, seedTransferBackfill, TEAM_2, TEAM_2_TRANSFER, world } from "./world.js"

const CANCEL = '{"status":"CANCELLED"}'

const seeded = world({
  seed: [
    seedTransferBackfill(1n, "CREATED"),
    seedTransferBackfill(2n, "SCHEDULED"),
    seedTransferBackfill(3n, "RUNNING"),
    seedTransferBackfill(4n, "FAILED"),
    seedTransferBackfill(5n, "COMPLETED"),
    seedTransferBackfill(6n, "CANCELLED"),
    {
      teamId: TEAM_2,
      backfill: backfillInStatus("CREATED", {
        id: 7n,
        transferId: TEAM_2_TRANSFER,
        start: "2023-01-01",
        end: "2023-01-02"
      })
    }
  ]
})

const cancel = (backfillId: string, options: { body?: unknown; authorization?: string; team?: string } = {}) =>
  call(
    handleCancelBackfill({
      authorization: options.authorization ?? bearer("admin"),
      path: { team_id: options.team ?? "1", backfill_id: backfillId },
      body: "body" in options ? options.body : CANCEL
    })
  )

describe("cancel", () => {
  it.effect.each(["1", "2", "3", "4"])("cancels active backfill %s: CANCELLED, who and when, end_time", (id) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW + 60_000)
      const response = yield* cancel(id, { authorization: bearer("writeOnly") })
      expect(response.status).toBe(200)
      const data = response.data as WireBackfill
      expect(data).toMatchObject({
        status: "CANCELLED",
        removed_time: "2024-02-01T09:01:00Z",
        removed_user_id: 802,
        end_time: "2024-02-01T09:01:00Z"
      })
      expect(Object.keys(data).slice(5, 8)).toEqual(["created_user_id", "removed_time", "removed_user_id"])
    }).pipe(Effect.provide(seeded))
  )

  it.effect.each<readonly [string, string]>([
    ["5", "COMPLETED"],
    ["6", "CANCELLED"]
  ])("answers cancelling final backfill %s (%s) with 422", ([id, status]) =>
    Effect.gen(function* () {
      const response = yield* cancel(id)
      expect(response.status).toBe(422)
      expect(response.error).toEqual({
        code: "UNPROCESSABLE_ENTITY",
        message: "Validation failed for the request parameters.",
        description: `Backfill ${id} is ${status}; only CREATED, SCHEDULED, RUNNING, FAILED backfills can be cancelled.`
      })
    }).pipe(Effect.provide(seeded))
  )

  it.effect("answers a second cancel with 422", () =>
    Effect.gen(function* () {
      expect((yield* cancel("1")).status).toBe(200)
      const again = yield* cancel("1")
      expect([again.status, again.error.code]).toEqual([422, "UNPROCESSABLE_ENTITY"])
    }).pipe(Effect.provide(seeded))
  )

  it.effect("lets one of two concurrent cancels win and answers the other with 422", () =>
    Effect.gen(function* () {
      const responses = yield* Effect.all([cancel("2"), cancel("2")], { concurrency: "unbounded" })
      expect(responses.map((response) => response.status).sort()).toEqual([200, 422])
    }).pipe(Effect.provide(seeded))
  )

  it.effect("frees the range for a new backfill", () =>
    Effect.gen(function* () {
      const schedule = handleScheduleBackfill({
        authorization: bearer("admin"),
        path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
        body: { range_start: "2023-03-02", range_end: "2023-03-03" }
      })
      expect((yield* call(schedule)).status).toBe(409)
      yield* cancel("3")
      expect((yield* call(schedule)).status).toBe(200)
    }).pipe(Effect.provide(seeded))
  )

  it.effect.each<readonly [string, unknown, string]>([
    ["another status", '{"status":"RUNNING"}', 'Field status must be "CANCELLED".'],
    ["an empty object", "{}", "Field status is required."],
    [
      "an extra field",
      '{"status":"CANCELLED","reason":"x"}',
      'Field "reason" is not allowed; the body must be a JSON object with status.'
    ],
    ["no body", undefined, "A JSON request body is required."],
    ["a JSON string", '"CANCELLED"', "The request body must be a JSON object with status."],
    ["lower case", '{"status":"cancelled"}', 'Field status must be "CANCELLED".']
  ])("answers a PATCH with %s with 400", ([, body, description]) =>
    Effect.gen(function* () {
      const response = yield* cancel("1", { body })
      expect(response.status).toBe(400)
      expect(response.error).toEqual({ code: "BAD_REQUEST", message: "The request was invalid.", description })
    }).pipe(Effect.provide(seeded))
  )

  it.effect("answers another team's backfill and a missing one with the same 404, before reading the body", () =>
    Effect.gen(function* () {
      const foreign = yield* cancel("7", { authorization: bearer("bothTeams"), body: "{}" })
      const missing = yield* cancel("404", { body: "{}" })
      expect(foreign.error).toEqual(NOT_FOUND_BACKFILL)
      expect(missing.error).toEqual(NOT_FOUND_BACKFILL)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("needs write scope and edit permission, checked before existence", () =>
    Effect.gen(function* () {
      const viewer = yield* cancel("404", { authorization: bearer("viewer") })
      expect([viewer.status, viewer.error.code, viewer.error.description]).toEqual([
        403,
        "FORBIDDEN",
        "The token lacks the required scope dwh_transfers_write."
      ])
      const noPermission = yield* cancel("404", { authorization: bearer("noPermission") })
      expect([noPermission.status, noPermission.error.code]).toEqual([403, "PERMISSION_ERROR"])
      expect((yield* cancel("1", { team: "2" })).error.code).toBe("FORBIDDEN")
      expect((yield* cancel("x")).error.description).toMatch(/^Path parameter backfill_id/)
      expect((yield* cancel("1", { authorization: "Basic abc" })).status).toBe(401)
    }).pipe(Effect.provide(seeded))
  )
})
