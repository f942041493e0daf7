import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, Option, TestClock } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { TeamId } from "../../src/domain/ids.js"
import { BackfillPolicy, DEFAULT_POLICY } from "../../src/domain/policy.js"
import type { BackfillStatus } from "../../src/domain/status.js"
import type { HostRequest } from "../../src/http/caller.js"
import { handleScheduleBackfill, type ScheduleBackfillRequest } from "../../src/http/endpoints.js"
import { scheduleBackfill } from "../../src/operations/scheduleBackfill.js"
import type { Authenticator } from "../../src/ports/authenticator.js"
import { BackfillRepository } from "../../src/ports/backfillRepository.js"
import type { TransferLookup } from "../../src/ports/transferLookup.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { SEED_ERROR_BODIES, SEED_SCHEDULE_REQUEST_BODY, SEED_SCHEDULE_RESPONSE_BODY } from "../fixtures/seed.js"
import { accessTo } from "../support/access.js"
import { parseJson } from "../support/losslessJson.js"
import {
  bearer,
  defectiveRepository,
  PRINCIPALS,
  SEED_NOW,
  SEED_TRANSFER,
  TEAM_1,
  unavailableAuthenticator,
  unavailableRepository,
  unavailableTransfers,
  world
} from "./world.js"

type Request = ScheduleBackfillRequest & HostRequest

const seedRequest: Request = {
  authorization: bearer("admin"),
  path: { team_id: "1", transfer_id: "456789" },
  body: SEED_SCHEDULE_REQUEST_BODY
}

interface ErrorJson {
  readonly meta: { readonly request_id: string }
  readonly error: { readonly code: string; readonly message: string; readonly description?: string }
}

type Ports = Authenticator | TransferLookup | BackfillRepository

const send = (overrides: Partial<Request> = {}, layer: Layer.Layer<Ports> = world()) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(SEED_NOW)
    const response = yield* handleScheduleBackfill({ ...seedRequest, ...overrides })
    return { ...response, json: parseJson(response.body) as ErrorJson & { readonly data: Record<string, unknown> } }
  }).pipe(Effect.provide(layer))

const body = (range_start: string, range_end: string) => JSON.stringify({ range_start, range_end })

/** A backfill of the seed's transfer already in the store, consistent with its status. */
const stored = (id: bigint, start: string, end: string, status: BackfillStatus) => ({
  teamId: TEAM_1,
  backfill: backfillInStatus(status, { id, transferId: SEED_TRANSFER, start, end })
})

const NOT_FOUND_TRANSFER = {
  code: "NOT_FOUND",
  message: "Not Found",
  description: "The requested transfer could not be found or you do not have access to it."
}

describe("schedule", () => {
  describe("on success", () => {
    it.effect("answers the seed's request with the seed's example, ids and request id aside", () =>
      Effect.gen(function* () {
        const response = yield* send({ requestId: "01892A4D-7586-7000-8000-000000000000" })
        const expected = JSON.parse(SEED_SCHEDULE_RESPONSE_BODY) as { data: Record<string, unknown> }
        expect(response.status).toBe(200)
        expect(response.json).toEqual({
          ...expected,
          data: { ...expected.data, transfer_backfill_id: response.json.data.transfer_backfill_id }
        })
        expect(Object.keys(response.json.data)).toEqual(Object.keys(expected.data))
        expect(response.headers).toEqual({
          "content-type": "application/json",
          "x-request-id": "01892A4D-7586-7000-8000-000000000000"
        })
      })
    )

    it.effect("stores the backfill it returns, owned by the caller, with the repository's id", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(SEED_NOW)
        const created = yield* scheduleBackfill({
          principal: PRINCIPALS.admin,
          teamId: TEAM_1,
          transferId: SEED_TRANSFER,
          range: { range_start: "2024-01-01", range_end: "2024-01-31" }
        })
        const repository = yield* BackfillRepository
        expect(yield* repository.findForTeam(accessTo(TEAM_1), created.id)).toEqual(Option.some(created))
        expect(created.createdUserId).toBe(789n)
        expect(created.createdTime).toBe(SEED_NOW / 1000)
        expect(created.runs.total).toBe(31)
      }).pipe(Effect.provide(world()))
    )

    it.effect("generates a UUIDv7 request id when the host gives none or a malformed one", () =>
      Effect.gen(function* () {
        for (const requestId of [undefined, "bad id!"]) {
          const response = yield* send(requestId === undefined ? {} : { requestId })
          expect(response.json.meta.request_id).toMatch(
            /^[0-9A-F]{8}-[0-9A-F]{4}-7[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/
          )
          expect(response.headers["x-request-id"]).toBe(response.json.meta.request_id)
        }
      })
    )

    it.effect("accepts a single day, and a body already parsed by the host's framework", () =>
      Effect.gen(function* () {
        const single = yield* send({ body: { range_start: "2024-02-01", range_end: "2024-02-01" } })
        expect(single.status).toBe(200)
        expect(single.json.data.transfer_runs_total).toBe(1)
      })
    )
  })

  describe("step 1, authentication", () => {
    it.effect.each([
      ["no Authorization header", undefined],
      ["another scheme", "Basic dXNlcjpwYXNz"],
      ["a malformed bearer header", "Bearer"],
      ["a token the authenticator rejects", "Bearer not-a-token"]
    ])("answers %s with 401 UNAUTHORIZED and a Bearer challenge", ([, authorization]) =>
      Effect.gen(function* () {
        const response = yield* send({ authorization })
        expect(response.status).toBe(401)
        expect(response.json.error.code).toBe("UNAUTHORIZED")
        expect(response.json.error.message).toBe("Authentication is required.")
        expect(response.headers["www-authenticate"]).toBe("Bearer")
      })
    )

    it.effect("answers 503 when the authenticator cannot answer", () =>
      Effect.gen(function* () {
        const response = yield* send({}, Layer.merge(world(), unavailableAuthenticator))
        expect(response.status).toBe(503)
        expect(response.json.error).toEqual({
          code: "SERVICE_UNAVAILABLE",
          message: "The service is temporarily unavailable. Retry later."
        })
      })
    )
  })

  describe("step 2, path parameters", () => {
    it.effect.each<readonly [string, Readonly<Record<string, string>>]>([
      ["team_id", { team_id: "abc", transfer_id: "456789" }],
      ["team_id", { team_id: "0", transfer_id: "456789" }],
      ["transfer_id", { team_id: "1", transfer_id: "9223372036854775808" }],
      ["transfer_id", { team_id: "1", transfer_id: "-456789" }],
      ["transfer_id", { team_id: "1" }]
    ])("answers a bad %s with 400 BAD_REQUEST naming it", ([name, path]) =>
      Effect.gen(function* () {
        const response = yield* send({ path })
        expect(response.status).toBe(400)
        expect(response.json.error.code).toBe("BAD_REQUEST")
        expect(response.json.error.message).toBe("The request was invalid.")
        expect(response.json.error.description).toMatch(new RegExp(`^Path parameter ${name} must be`))
      })
    )

    it.effect("reads the largest int64 team id exactly", () =>
      Effect.gen(function* () {
        const response = yield* send({ path: { team_id: "9223372036854775807", transfer_id: "456789" } })
        expect(response.status).toBe(403)
        expect(response.json.error.description).toBe("You are not a member of team 9223372036854775807.")
      })
    )
  })

  describe("steps 3 to 5, access", () => {
    it.effect("answers a team the caller is not in with 403 FORBIDDEN", () =>
      Effect.gen(function* () {
        const response = yield* send({ path: { team_id: "2", transfer_id: "111111" } })
        expect(response.status).toBe(403)
        expect(response.json.error).toEqual({
          code: "FORBIDDEN",
          message: "You do not have access to this resource.",
          description: "You are not a member of team 2."
        })
      })
    )

    it.effect("answers a read-only token with 403 FORBIDDEN naming the write scope", () =>
      Effect.gen(function* () {
        const response = yield* send({ authorization: bearer("viewer") })
        expect(response.status).toBe(403)
        expect(response.json.error.code).toBe("FORBIDDEN")
        expect(response.json.error.description).toBe("The token lacks the required scope dwh_transfers_write.")
      })
    )

    it.effect("answers a user without edit permission with 403 PERMISSION_ERROR naming it", () =>
      Effect.gen(function* () {
        const response = yield* send({ authorization: bearer("noPermission") })
        expect(response.status).toBe(403)
        expect(response.json.error).toEqual({
          code: "PERMISSION_ERROR",
          message: "You do not have permission to perform this action.",
          description: "Your account lacks the required permission dwh.transfer.edit."
        })
      })
    )
  })

  describe("step 6, existence", () => {
    it.effect("answers a missing transfer with the seed's exact 404", () =>
      Effect.gen(function* () {
        const response = yield* send({ path: { team_id: "1", transfer_id: "999" } })
        expect(response.status).toBe(404)
        expect(response.json.error).toEqual(NOT_FOUND_TRANSFER)
        const seed404 = JSON.parse(SEED_ERROR_BODIES[404]) as ErrorJson
        expect(response.json.error).toEqual(seed404.error)
      })
    )

    it.effect("answers another team's transfer exactly as a missing one, never 403", () =>
      Effect.gen(function* () {
        const principals = { both: { ...PRINCIPALS.admin, teamIds: [TEAM_1, TeamId.make(3n)] } }
        const response = yield* send(
          { authorization: "Bearer both", path: { team_id: "1", transfer_id: "111111" } },
          world({ principals })
        )
        expect(response.status).toBe(404)
        expect(response.json.error).toEqual(NOT_FOUND_TRANSFER)
        const elsewhere = yield* send(
          { authorization: "Bearer both", path: { team_id: "3", transfer_id: "456789" } },
          world({ principals })
        )
        expect(elsewhere.status).toBe(404)
        expect(elsewhere.json.error).toEqual(NOT_FOUND_TRANSFER)
      })
    )

    it.effect("answers 503 when transfers cannot be looked up", () =>
      Effect.gen(function* () {
        const response = yield* send({}, Layer.merge(world(), unavailableTransfers))
        expect(response.status).toBe(503)
        expect(response.body).not.toContain("10.0.0.7")
      })
    )
  })

  describe("step 7, body shape", () => {
    it.effect.each<readonly [string, string | undefined, string]>([
      ["no body", undefined, "A JSON request body is required."],
      ["text that is not JSON", "range_start=2024-01-01", "The request body must be valid JSON."],
      ["an array", "[]", "The request body must be a JSON object with range_start and range_end."],
      ["a missing range_end", '{"range_start":"2024-01-01"}', "Field range_end is required."],
      [
        "a number for range_start",
        '{"range_start":20240101,"range_end":"2024-01-31"}',
        "Field range_start must be a string."
      ],
      ["null for range_end", '{"range_start":"2024-01-01","range_end":null}', "Field range_end must be a string."],
      [
        "an unknown field",
        '{"range_start":"2024-01-01","range_end":"2024-01-31","priority":1}',
        'Field "priority" is not allowed; the body must be a JSON object with range_start and range_end.'
      ],
      [
        "a body over 16 KiB",
        `{"range_start":"2024-01-01","range_end":"2024-01-31"}${" ".repeat(16 * 1024)}`,
        "The request body must not exceed 16384 bytes."
      ]
    ])("answers %s with 400 BAD_REQUEST", ([, requestBody, description]) =>
      Effect.gen(function* () {
        const response = yield* send({ body: requestBody })
        expect(response.status).toBe(400)
        expect(response.json.error).toEqual({ code: "BAD_REQUEST", message: "The request was invalid.", description })
      })
    )
  })

  describe("step 8, body meaning", () => {
    it.effect.each<readonly [string, string, string, string]>([
      ["2024-02-30", "2024-02-30", "2024-01-31", 'range_start must be a real calendar date; got "2024-02-30".'],
      ["2024-1-01", "2024-1-01", "2024-01-31", 'range_start must be a date in the form YYYY-MM-DD; got "2024-1-01".'],
      [
        "+002024-01-01",
        "2024-01-01",
        "+002024-01-01",
        'range_end must be a date in the form YYYY-MM-DD; got "+002024-01-01".'
      ],
      [
        "2024-01-01T00:00",
        "2024-01-01T00:00",
        "2024-01-31",
        'range_start must be a date in the form YYYY-MM-DD; got "2024-01-01T00:00".'
      ],
      [
        "a reversed range",
        "2024-01-31",
        "2024-01-01",
        "range_start (2024-01-31) must not be after range_end (2024-01-01)."
      ],
      [
        "a range ending tomorrow",
        "2024-01-01",
        "2024-02-02",
        "range_end (2024-02-02) must not be after today (2024-02-01 in the transfer's time zone)."
      ],
      ["a range of 367 days", "2023-01-30", "2024-01-31", "The range covers 367 days; at most 366 days are allowed."]
    ])("answers %s with 422 UNPROCESSABLE_ENTITY naming the field and rule", ([, start, end, description]) =>
      Effect.gen(function* () {
        const response = yield* send({ body: body(start, end) })
        expect(response.status).toBe(422)
        expect(response.json.error).toEqual({
          code: "UNPROCESSABLE_ENTITY",
          message: "Validation failed for the request parameters.",
          description
        })
      })
    )

    it.effect("decides 'today' in the transfer's time zone", () =>
      Effect.gen(function* () {
        const request = { body: body("2024-02-01", "2024-02-01") }
        // 03:00 UTC on 1 February is still 31 January in New York.
        const early = Effect.zipRight(
          TestClock.setTime(Date.UTC(2024, 1, 1, 3, 0, 0)),
          handleScheduleBackfill({ ...seedRequest, ...request })
        )
        const inUtc = yield* early.pipe(Effect.provide(world()))
        const inNewYork = yield* handleScheduleBackfill({
          ...seedRequest,
          ...request,
          path: { team_id: "1", transfer_id: "456790" }
        }).pipe(Effect.provide(world()))
        expect(inUtc.status).toBe(200)
        expect(inNewYork.status).toBe(422)
        expect(inNewYork.body).toContain("today (2024-01-31 in the transfer's time zone)")
      })
    )

    it.effect("applies the host's policy: maximum length and earliest date", () =>
      Effect.gen(function* () {
        const policy = Layer.succeed(BackfillPolicy, {
          maxRangeDays: 10,
          earliestDate: Option.some("2024-01-05" as CalendarDate)
        })
        const tooLong = yield* send({ body: body("2024-01-10", "2024-01-20") }, Layer.merge(world(), policy))
        expect(tooLong.json.error.description).toBe("The range covers 11 days; at most 10 days are allowed.")
        const tooEarly = yield* send({ body: body("2024-01-04", "2024-01-06") }, Layer.merge(world(), policy))
        expect(tooEarly.json.error.description).toBe("range_start (2024-01-04) must not be before 2024-01-05.")
        expect((yield* send({ body: body("2024-01-05", "2024-01-14") }, Layer.merge(world(), policy))).status).toBe(200)
        expect(DEFAULT_POLICY.maxRangeDays).toBe(366)
      })
    )
  })

  describe("step 9, overlap", () => {
    it.effect("answers a range sharing a day with an active backfill with 409 naming it, its range and status", () =>
      Effect.gen(function* () {
        const response = yield* send(
          { body: body("2024-01-31", "2024-02-01") },
          world({ seed: [stored(41n, "2024-01-01", "2024-01-31", "RUNNING")] })
        )
        expect(response.status).toBe(409)
        expect(response.json.error).toEqual({
          code: "CONFLICT_ERROR",
          message: "The request conflicts with the current state.",
          description: "The range overlaps active backfill 41 (2024-01-01 to 2024-01-31, status RUNNING) on 2024-01-31."
        })
        const wider = yield* send(
          { body: body("2024-01-20", "2024-02-01") },
          world({ seed: [stored(41n, "2024-01-01", "2024-01-31", "RUNNING")] })
        )
        expect(wider.json.error.description).toBe(
          "The range overlaps active backfill 41 (2024-01-01 to 2024-01-31, status RUNNING) on 12 days, 2024-01-20 to 2024-01-31."
        )
      })
    )

    it.effect.each(["CREATED", "SCHEDULED", "RUNNING", "FAILED"] as const)("is blocked by a %s backfill", (status) =>
      Effect.gen(function* () {
        const response = yield* send({}, world({ seed: [stored(7n, "2024-01-10", "2024-01-12", status)] }))
        expect(response.status).toBe(409)
        expect(response.json.error.description).toContain(`status ${status}`)
      })
    )

    it.effect.each(["COMPLETED", "CANCELLED"] as const)("is never blocked by a %s backfill", (status) =>
      Effect.gen(function* () {
        const response = yield* send({}, world({ seed: [stored(7n, "2024-01-01", "2024-01-31", status)] }))
        expect(response.status).toBe(200)
        expect(response.json.data.transfer_backfill_id).toBe(8)
      })
    )

    it.effect("lets adjacent ranges and other transfers' ranges be", () =>
      Effect.gen(function* () {
        const layer = world({ seed: [stored(7n, "2024-01-01", "2024-01-31", "CREATED")] })
        const program = Effect.gen(function* () {
          yield* TestClock.setTime(SEED_NOW)
          const adjacent = yield* handleScheduleBackfill({ ...seedRequest, body: body("2024-02-01", "2024-02-01") })
          const before = yield* handleScheduleBackfill({ ...seedRequest, body: body("2023-12-01", "2023-12-31") })
          const otherTransfer = yield* handleScheduleBackfill({
            ...seedRequest,
            path: { team_id: "1", transfer_id: "456790" }
          })
          const overlapping = yield* handleScheduleBackfill({ ...seedRequest, body: body("2023-12-31", "2024-01-01") })
          return [adjacent.status, before.status, otherTransfer.status, overlapping.status]
        })
        expect(yield* program.pipe(Effect.provide(layer))).toEqual([200, 200, 200, 409])
      })
    )
  })

  describe("failures of the store", () => {
    it.effect("answers 503 without details when the repository is unreachable", () =>
      Effect.gen(function* () {
        const response = yield* send({}, Layer.mergeAll(world(), unavailableRepository))
        expect(response.status).toBe(503)
        expect(response.json.error.code).toBe("SERVICE_UNAVAILABLE")
        expect(response.body).not.toContain("10.0.0.7")
      })
    )

    it.effect("answers a defect with the seed's bare 500, leaking nothing", () =>
      Effect.gen(function* () {
        const response = yield* send(
          { requestId: "BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN" },
          Layer.mergeAll(world(), defectiveRepository)
        )
        expect(response.status).toBe(500)
        expect(response.json).toEqual(JSON.parse(SEED_ERROR_BODIES[500]))
        expect(response.body).not.toMatch(/hunter2|relation/)
      })
    )
  })
})

/**
 * Each step of SPEC §3 with one way to fail it. Every change touches a different part
 * of the request or the world, so any combination of them can be applied at once.
 */
interface Scenario {
  readonly request: Request
  readonly caller: typeof PRINCIPALS.admin
  readonly seed: ReadonlyArray<ReturnType<typeof stored>>
}

const STEPS: ReadonlyArray<{
  readonly step: number
  readonly name: string
  readonly status: number
  readonly code: string
  readonly description: RegExp
  readonly fail: (scenario: Scenario) => Scenario
}> = [
  {
    step: 1,
    name: "authentication",
    status: 401,
    code: "UNAUTHORIZED",
    description: /Authorization header/,
    fail: (s) => ({ ...s, request: { ...s.request, authorization: undefined } })
  },
  {
    step: 2,
    name: "path parameters",
    status: 400,
    code: "BAD_REQUEST",
    description: /^Path parameter team_id/,
    fail: (s) => ({ ...s, request: { ...s.request, path: { ...s.request.path, team_id: "01" } } })
  },
  {
    step: 3,
    name: "team access",
    status: 403,
    code: "FORBIDDEN",
    description: /not a member of team 1/,
    fail: (s) => ({ ...s, caller: { ...s.caller, teamIds: [TeamId.make(2n)] } })
  },
  {
    step: 4,
    name: "scope",
    status: 403,
    code: "FORBIDDEN",
    description: /scope dwh_transfers_write/,
    fail: (s) => ({ ...s, caller: { ...s.caller, scopes: ["dwh_transfers_read"] } })
  },
  {
    step: 5,
    name: "permission",
    status: 403,
    code: "PERMISSION_ERROR",
    description: /permission dwh.transfer.edit/,
    fail: (s) => ({ ...s, caller: { ...s.caller, permissions: ["dwh.transfer.view"] } })
  },
  {
    step: 6,
    name: "existence",
    status: 404,
    code: "NOT_FOUND",
    description: /^The requested transfer could not be found/,
    fail: (s) => ({ ...s, request: { ...s.request, path: { ...s.request.path, transfer_id: "999" } } })
  },
  {
    step: 7,
    name: "body shape",
    status: 400,
    code: "BAD_REQUEST",
    description: /^Field range_start/,
    fail: (s) => ({ ...s, request: { ...s.request, body: '{"range_start":1,"range_end":"2024-01-31"}' } })
  },
  {
    step: 8,
    name: "body meaning",
    status: 422,
    code: "UNPROCESSABLE_ENTITY",
    description: /^range_start must be a real calendar date/,
    fail: (s) => ({ ...s, request: { ...s.request, body: body("2024-02-30", "2024-01-31") } })
  },
  {
    step: 9,
    name: "overlap",
    status: 409,
    code: "CONFLICT_ERROR",
    description: /overlaps active backfill 5/,
    fail: (s) => ({ ...s, seed: [stored(5n, "2024-01-15", "2024-01-20", "CREATED")] })
  }
]

const runScenario = (failing: ReadonlyArray<(typeof STEPS)[number]>) => {
  const valid: Scenario = {
    request: { ...seedRequest, authorization: "Bearer caller" },
    caller: PRINCIPALS.admin,
    seed: []
  }
  // Later steps first, so that where two changes touch the same part the earlier step's stands.
  const scenario = [...failing].sort((a, b) => b.step - a.step).reduce((s, step) => step.fail(s), valid)
  return send(scenario.request, world({ principals: { caller: scenario.caller }, seed: scenario.seed }))
}

describe("schedule check order", () => {
  it.effect.each(STEPS.map((step) => [step.step, step.name, step] as const))(
    "step %i (%s) fails alone with its own error",
    ([, , step]) =>
      Effect.gen(function* () {
        const response = yield* runScenario([step])
        expect([response.status, response.json.error.code]).toEqual([step.status, step.code])
        expect(response.json.error.description).toMatch(step.description)
      })
  )

  const pairs = STEPS.flatMap((first, index) => STEPS.slice(index + 1).map((second) => [first, second] as const))

  it.effect.each(pairs.map(([first, second]) => [first.step, second.step, first, second] as const))(
    "step %i wins over step %i",
    ([, , first, second]) =>
      Effect.gen(function* () {
        const response = yield* runScenario([first, second])
        expect([response.status, response.json.error.code]).toEqual([first.status, first.code])
        expect(response.json.error.description).toMatch(first.description)
      })
  )

  it.effect.prop(
    "lets the first failing step win, whichever steps fail",
    [fc.subarray([...STEPS], { minLength: 1 })],
    ([failing]) =>
      Effect.gen(function* () {
        const first = failing.reduce((a, b) => (a.step <= b.step ? a : b))
        const response = yield* runScenario(failing)
        expect([response.status, response.json.error.code]).toEqual([first.status, first.code])
        expect(response.json.error.description).toMatch(first.description)
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("succeeds when no step fails", () =>
    Effect.gen(function* () {
      const response = yield* runScenario([])
      expect(response.status).toBe(200)
    })
  )
})

describe("schedule without the host's framework", () => {
  it.effect("fails with typed errors a host can match on", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(SEED_NOW)
      const error = yield* Effect.flip(
        scheduleBackfill({
          principal: PRINCIPALS.admin,
          teamId: TEAM_1,
          transferId: SEED_TRANSFER,
          range: { range_start: "2024-02-30", range_end: "2024-01-31" }
        })
      )
      expect(error._tag).toBe("UnprocessableEntity")
    }).pipe(Effect.provide(world()))
  )
})
