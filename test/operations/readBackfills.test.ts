import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { encodeBackfill } from "../../src/domain/backfill.js"
import { handleGetBackfill, handleLatestBackfill } from "../../src/http/endpoints.js"
import { stringifyJson } from "../../src/http/json.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { parseJson } from "../support/losslessJson.js"
import { call, NOT_FOUND_BACKFILL, NOT_FOUND_TRANSFER } from "./http.js"
import { bearer, NEW_YORK_TRANSFER, SEED_TRANSFER, TEAM_1, TEAM_2, TEAM_2_TRANSFER, world } from "./world.js"

const running = backfillInStatus("RUNNING", {
  id: 7n,
  transferId: SEED_TRANSFER,
  start: "2024-01-01",
  end: "2024-01-31"
})
const cancelled = backfillInStatus("CANCELLED", {
  id: 9n,
  transferId: SEED_TRANSFER,
  start: "2024-01-01",
  end: "2024-01-31"
})
const otherTeams = backfillInStatus("CREATED", {
  id: 8n,
  transferId: TEAM_2_TRANSFER,
  start: "2024-01-01",
  end: "2024-01-31"
})

const seeded = world({
  seed: [
    { teamId: TEAM_1, backfill: running },
    { teamId: TEAM_2, backfill: otherTeams },
    { teamId: TEAM_1, backfill: cancelled }
  ]
})

/** The wire form a client reads, as exact JSON. */
const asJson = (backfill: typeof running) => parseJson(stringifyJson(encodeBackfill(backfill)))

const get = (teamId: string, backfillId: string, authorization = bearer("admin")) =>
  call(handleGetBackfill({ authorization, path: { team_id: teamId, backfill_id: backfillId } }))

const latest = (teamId: string, transferId: string, authorization = bearer("admin")) =>
  call(handleLatestBackfill({ authorization, path: { team_id: teamId, transfer_id: transferId } }))

describe("get", () => {
  it.effect("answers with the backfill in its wire form", () =>
    Effect.gen(function* () {
      const response = yield* get("1", "7")
      expect(response.status).toBe(200)
      expect(response.data).toEqual(asJson(running))
    }).pipe(Effect.provide(seeded))
  )

  it.effect("shows a cancelled backfill's removed_time and removed_user_id", () =>
    Effect.gen(function* () {
      const response = yield* get("1", "9")
      expect(Object.keys(response.data as object)).toContain("removed_user_id")
      expect(response.data).toEqual(asJson(cancelled))
    }).pipe(Effect.provide(seeded))
  )

  it.effect("lets read scope and view permission read, and write scope and edit permission too", () =>
    Effect.gen(function* () {
      expect((yield* get("1", "7", bearer("viewer"))).status).toBe(200)
      expect((yield* get("1", "7", bearer("writeOnly"))).status).toBe(200)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("answers another team's backfill exactly as a missing one: 404, never 403", () =>
    Effect.gen(function* () {
      const foreign = yield* get("1", "8", bearer("bothTeams"))
      const missing = yield* get("1", "404", bearer("bothTeams"))
      expect([foreign.status, missing.status]).toEqual([404, 404])
      expect(foreign.error).toEqual(NOT_FOUND_BACKFILL)
      expect(missing.error).toEqual(NOT_FOUND_BACKFILL)
      expect((yield* get("2", "8", bearer("bothTeams"))).status).toBe(200)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("checks authentication, path, team, scope and permission in SPEC order", () =>
    Effect.gen(function* () {
      const unauthenticated = yield* get("x", "y", "Bearer not-a-token")
      expect([unauthenticated.status, unauthenticated.error.code]).toEqual([401, "UNAUTHORIZED"])
      const badPath = yield* get("1", "0")
      expect([badPath.status, badPath.error.code]).toEqual([400, "BAD_REQUEST"])
      expect(badPath.error.description).toMatch(/^Path parameter backfill_id must be/)
      const notMember = yield* get("2", "404")
      expect([notMember.status, notMember.error.code]).toEqual([403, "FORBIDDEN"])
      const noPermission = yield* get("1", "404", bearer("noAccess"))
      expect([noPermission.status, noPermission.error.code]).toEqual([403, "PERMISSION_ERROR"])
      expect(noPermission.error.description).toBe("Your account lacks the required permission dwh.transfer.view.")
    }).pipe(Effect.provide(seeded))
  )
})

describe("latest", () => {
  it.effect("answers with the transfer's newest backfill, whatever its status", () =>
    Effect.gen(function* () {
      const response = yield* latest("1", String(SEED_TRANSFER))
      expect(response.status).toBe(200)
      expect(response.data).toEqual(asJson(cancelled))
    }).pipe(Effect.provide(seeded))
  )

  it.effect("answers 404 for a transfer that never had a backfill", () =>
    Effect.gen(function* () {
      const response = yield* latest("1", String(NEW_YORK_TRANSFER))
      expect(response.status).toBe(404)
      expect(response.error).toEqual(NOT_FOUND_BACKFILL)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("answers a missing or another team's transfer with the transfer 404", () =>
    Effect.gen(function* () {
      const foreign = yield* latest("1", String(TEAM_2_TRANSFER), bearer("bothTeams"))
      const missing = yield* latest("1", "999")
      expect(foreign.error).toEqual(NOT_FOUND_TRANSFER)
      expect(missing.error).toEqual(NOT_FOUND_TRANSFER)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("needs read access only", () =>
    Effect.gen(function* () {
      expect((yield* latest("1", String(SEED_TRANSFER), bearer("viewer"))).status).toBe(200)
      expect((yield* latest("1", String(SEED_TRANSFER), bearer("noAccess"))).error.code).toBe("PERMISSION_ERROR")
      expect((yield* latest("1", "abc")).error.description).toMatch(/^Path parameter transfer_id/)
    }).pipe(Effect.provide(seeded))
  )
})
