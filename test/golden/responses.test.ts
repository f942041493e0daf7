/**
 * Golden responses: the exact answer (status, headers, body text) of every endpoint on
 * each of its success and error paths, pinned in `responses.json`. The wire form of the
 * five endpoints is frozen, and the extensions' (retry, the ledger, keyed creates) pinned
 * beside it; any change to a byte of these answers fails here. After a
 * deliberate change of the wire form (there should be none), regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden`, and review the diff.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import {
  handleCancelBackfill,
  handleGetBackfill,
  handleLatestBackfill,
  handleListBackfillRuns,
  handleListIncompleteBackfills,
  handleRetryBackfill,
  handleScheduleBackfill
} from "../../src/http/endpoints.js"
import type { HttpResponse } from "../../src/http/response.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import {
  bearer,
  defectiveRepository,
  NEW_YORK_TRANSFER,
  SEED_NOW,
  SEED_TRANSFER,
  TEAM_1,
  TEAM_2,
  TEAM_2_TRANSFER,
  unavailableAuthenticator,
  unavailableRepository,
  unavailableTransfers,
  world
} from "../operations/world.js"

const GOLDEN = new URL("./responses.json", import.meta.url)
const REQUEST_ID = "golden-request-0001"

/** Team 1: one backfill per status on the seed's transfer; team 2: one of its own. */
const seed = [
  ...(["CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED"] as const).map((status, index) => ({
    teamId: TEAM_1,
    backfill: backfillInStatus(status, {
      id: BigInt(index + 1),
      transferId: SEED_TRANSFER,
      start: `2023-0${index + 1}-01`,
      end: `2023-0${index + 1}-05`
    })
  })),
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

const seeded = () => world({ seed })
const broken = <Replaced>(replacement: Layer.Layer<Replaced>) => Layer.merge(seeded(), replacement)

type Case = readonly [name: string, response: Effect.Effect<HttpResponse, never, never>]

const host = { requestId: REQUEST_ID }
const admin = bearer("admin")
const schedulePath = { team_id: "1", transfer_id: String(SEED_TRANSFER) }
const january = { range_start: "2024-01-01", range_end: "2024-01-31" }

const schedule = (
  name: string,
  request: { authorization?: string | undefined; path?: Record<string, unknown>; body?: unknown },
  layer: Layer.Layer<never> | ReturnType<typeof seeded> = seeded()
): Case => [
  `schedule: ${name}`,
  Effect.provide(
    handleScheduleBackfill({
      ...host,
      authorization: "authorization" in request ? request.authorization : admin,
      path: request.path ?? schedulePath,
      body: "body" in request ? request.body : january
    }),
    layer as ReturnType<typeof seeded>
  )
]

/** `options` as given: an `authorization` left `undefined` means a request without one. */
const read = (
  name: string,
  handler: typeof handleGetBackfill | typeof handleLatestBackfill,
  path: Record<string, unknown>,
  options: { readonly authorization?: string | undefined; readonly layer?: ReturnType<typeof seeded> } = {}
): Case => [
  name,
  Effect.provide(
    handler({ ...host, authorization: "authorization" in options ? options.authorization : admin, path }),
    options.layer ?? seeded()
  )
]

const list = (name: string, query: Record<string, string | Array<string>>, authorization = admin): Case => [
  `list: ${name}`,
  Effect.provide(handleListIncompleteBackfills({ ...host, authorization, path: { team_id: "1" }, query }), seeded())
]

/** `options` as given: a `body` left `undefined` means a request without one. */
const cancel = (
  name: string,
  backfillId: string,
  options: { readonly body?: unknown; readonly authorization?: string } = {}
): Case => [
  `cancel: ${name}`,
  Effect.provide(
    handleCancelBackfill({
      ...host,
      authorization: options.authorization ?? admin,
      path: { team_id: "1", backfill_id: backfillId },
      body: "body" in options ? options.body : '{"status":"CANCELLED"}'
    }),
    seeded()
  )
]

/** `options` as given: a `body` left `undefined` means a request without one. */
const retry = (
  name: string,
  backfillId: string,
  options: { readonly body?: unknown; readonly authorization?: string } = {}
): Case => [
  `retry: ${name}`,
  Effect.provide(
    handleRetryBackfill({
      ...host,
      authorization: options.authorization ?? admin,
      path: { team_id: "1", backfill_id: backfillId },
      ...("body" in options ? { body: options.body } : {})
    }),
    seeded()
  )
]

const runs = (name: string, backfillId: string, query: Record<string, string> = {}): Case => [
  `runs: ${name}`,
  Effect.provide(
    handleListBackfillRuns({ ...host, authorization: admin, path: { team_id: "1", backfill_id: backfillId }, query }),
    seeded()
  )
]

/** Two requests with one key in one store: the second's answer. */
const keyed = (name: string, key: string, second: typeof january): Case => {
  const send = (body: typeof january) =>
    handleScheduleBackfill({ ...host, authorization: admin, path: schedulePath, body, idempotencyKey: key })
  return [`keyed schedule: ${name}`, Effect.provide(Effect.zipRight(send(january), send(second)), seeded())]
}

const CASES: ReadonlyArray<Case> = [
  schedule("200", {}),
  schedule("401 without a header", { authorization: undefined }),
  schedule("401 with a malformed header", { authorization: "Basic YWxhZGRpbjpvcGVu" }),
  schedule("401 with an unknown token", { authorization: "Bearer nobody" }),
  schedule("400 team_id", { path: { team_id: "01", transfer_id: "456789" } }),
  schedule("400 transfer_id", { path: { team_id: "1", transfer_id: "9223372036854775808" } }),
  schedule("403 team", { path: { team_id: "2", transfer_id: String(TEAM_2_TRANSFER) } }),
  schedule("403 scope", { authorization: bearer("viewer") }),
  schedule("403 permission", { authorization: bearer("noPermission") }),
  schedule("404 missing transfer", { path: { team_id: "1", transfer_id: "999" } }),
  schedule("404 another team's transfer", { path: { team_id: "1", transfer_id: String(TEAM_2_TRANSFER) } }),
  schedule("400 not JSON", { body: "{range_start:" }),
  schedule("400 not an object", { body: "[1,2]" }),
  schedule("400 missing field", { body: { range_start: "2024-01-01" } }),
  schedule("400 wrong type", { body: { range_start: 20240101, range_end: "2024-01-02" } }),
  schedule("400 unknown field", { body: { ...january, priority: "high" } }),
  schedule("400 unknown order", { body: { ...january, order: "sideways" } }),
  schedule("400 over 16 KiB", { body: `{"range_start":"${"x".repeat(17_000)}"}` }),
  schedule("400 no body", { body: undefined }),
  schedule("422 not a date", { body: { range_start: "2024-02-30", range_end: "2024-03-01" } }),
  schedule("422 start after end", { body: { range_start: "2024-01-31", range_end: "2024-01-01" } }),
  schedule("422 end after today", { body: { range_start: "2024-01-01", range_end: "2024-02-02" } }),
  schedule("422 longer than the policy", { body: { range_start: "2022-01-01", range_end: "2023-12-31" } }),
  schedule("422 year 0000", { body: { range_start: "0000-01-01", range_end: "0000-01-01" } }),
  schedule("409 overlap", { body: { range_start: "2023-03-03", range_end: "2023-03-10" } }),
  schedule("503 authenticator", {}, broken(unavailableAuthenticator)),
  schedule("503 transfer lookup", {}, broken(unavailableTransfers)),
  schedule("503 repository", {}, broken(unavailableRepository)),
  schedule("500 defect", {}, broken(defectiveRepository)),
  read("get: 200", handleGetBackfill, { team_id: "1", backfill_id: "4" }),
  read("get: 200 cancelled", handleGetBackfill, { team_id: "1", backfill_id: "6" }),
  read("get: 401", handleGetBackfill, { team_id: "1", backfill_id: "4" }, { authorization: undefined }),
  read("get: 400 backfill_id", handleGetBackfill, { team_id: "1", backfill_id: "4;x" }),
  read("get: 403 team", handleGetBackfill, { team_id: "2", backfill_id: "7" }),
  read(
    "get: 403 permission",
    handleGetBackfill,
    { team_id: "1", backfill_id: "4" },
    { authorization: bearer("noAccess") }
  ),
  read("get: 404 missing", handleGetBackfill, { team_id: "1", backfill_id: "99" }),
  read("get: 404 another team's", handleGetBackfill, { team_id: "1", backfill_id: "7" }),
  read("get: 503", handleGetBackfill, { team_id: "1", backfill_id: "4" }, { layer: broken(unavailableRepository) }),
  read("latest: 200", handleLatestBackfill, schedulePath),
  read("latest: 404 transfer", handleLatestBackfill, { team_id: "1", transfer_id: String(TEAM_2_TRANSFER) }),
  read("latest: 404 no backfill", handleLatestBackfill, { team_id: "1", transfer_id: String(NEW_YORK_TRANSFER) }),
  read("latest: 400 transfer_id", handleLatestBackfill, { team_id: "1", transfer_id: "-1" }),
  list("200 default", {}),
  list("200 first page of two", { limit: "2", status: "CREATED,SCHEDULED,RUNNING,FAILED,COMPLETED" }),
  list("200 statuses repeated", { status: ["FAILED", "COMPLETED"] }),
  list("400 limit", { limit: "101" }),
  list("400 status", { status: "DONE" }),
  list("400 cursor", { cursor: "forged.cursor" }),
  list("400 unknown parameter", { order: "oldest_first" }),
  list("400 limit twice", { limit: ["1", "2"] }),
  list("401", {}, "Bearer nobody"),
  list("403 scope and permission", {}, bearer("noAccess")),
  cancel("200", "3"),
  cancel("422 final", "5"),
  cancel("400 other body", "1", { body: '{"status":"COMPLETED"}' }),
  cancel("400 no body", "1", { body: undefined }),
  cancel("404 another team's", "7"),
  cancel("403 scope", "1", { authorization: bearer("viewer") }),
  retry("200 every failed day", "4"),
  retry("200 the failed day named", "4", { body: '{"days":["2023-04-01"]}' }),
  retry("422 a day that has not failed", "4", { body: '{"days":["2023-04-02"]}' }),
  retry("422 no failed day", "5"),
  retry("422 cancelled", "6"),
  retry("400 body", "4", { body: '{"days":"2023-04-01"}' }),
  retry("404 another team's", "7"),
  retry("403 scope", "4", { authorization: bearer("viewer") }),
  runs("200", "4"),
  runs("200 failed only", "4", { status: "failed" }),
  runs("400 status", "4", { status: "dropped" }),
  runs("404 another team's", "7"),
  keyed("200 replayed", '"golden-key"', january),
  keyed("422 reused with another range", "golden-key", { range_start: "2023-12-01", range_end: "2023-12-31" }),
  [
    "schedule: 400 malformed Idempotency-Key",
    Effect.provide(
      handleScheduleBackfill({ ...host, authorization: admin, path: schedulePath, body: january, idempotencyKey: "" }),
      seeded()
    )
  ]
]

describe("golden responses", () => {
  it.effect("every endpoint answers each path byte for byte as pinned", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const answers: Record<string, HttpResponse> = {}
      for (const [name, response] of CASES) {
        answers[name] = yield* response
        // Each case is named after the status it exists for: a case that lost its way fails here.
        expect(answers[name]?.status, name).toBe(Number(/: (\d{3})/.exec(name)?.[1]))
      }
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, `${JSON.stringify(answers, null, 2)}\n`)
      const pinned = JSON.parse(readFileSync(GOLDEN, "utf8")) as Record<string, HttpResponse>
      expect(Object.keys(answers)).toEqual(Object.keys(pinned))
      for (const [name, answer] of Object.entries(answers)) expect(answer, name).toEqual(pinned[name])
    })
  )
})
