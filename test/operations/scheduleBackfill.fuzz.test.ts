import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, FastCheck as fc, Schema, TestClock } from "effect"
import { BackfillFromWire } from "../../src/domain/backfill.js"
import { handleScheduleBackfill } from "../../src/http/endpoints.js"
import { ErrorEnvelope, SuccessEnvelope } from "../../src/http/envelopes.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { parseJson } from "../support/losslessJson.js"
import { bearer, SEED_NOW, world } from "./world.js"

/** Strings for a date field: real dates near "today", impossible ones, and noise. */
const dateField = fc.oneof(Arb.calendarDate({ min: "2023-01-01", max: "2024-03-01" }), Arb.invalidDateText, fc.string())

const body = fc.oneof(
  fc.jsonValue(),
  fc.json(),
  fc.string(),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 64 }),
  fc.record({ range_start: dateField, range_end: dateField }),
  fc.record({ range_start: dateField, range_end: dateField }).map((fields) => JSON.stringify(fields)),
  fc.dictionary(fc.constantFrom("range_start", "range_end", "extra", "__proto__"), fc.jsonValue())
)

const pathSegment = fc.oneof(
  fc.constantFrom("1", "2", "456789", "456790", "111111", "0", "9223372036854775807", "9223372036854775808"),
  fc.string(),
  fc.bigInt({ min: -10n, max: 2n ** 64n }).map(String)
)

const path = fc.oneof(
  fc.record({ team_id: pathSegment, transfer_id: pathSegment }),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue()))
)

const authorization = fc.oneof(
  fc.constantFrom(bearer("admin"), bearer("viewer"), bearer("noPermission"), bearer("team2")),
  fc.option(fc.string(), { nil: undefined })
)

const decodeSuccess = Schema.decodeUnknownEither(SuccessEnvelope(BackfillFromWire))
const decodeError = Schema.decodeUnknownEither(ErrorEnvelope)

describe("schedule under arbitrary input", () => {
  it.effect.prop(
    "never throws or dies: every request gets a 200 backfill or a SPEC §5 error envelope",
    [authorization, path, body],
    ([authorizationHeader, pathParams, requestBody]) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(SEED_NOW)
        const exit = yield* Effect.exit(
          handleScheduleBackfill({ authorization: authorizationHeader, path: pathParams, body: requestBody })
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        if (Exit.isFailure(exit)) return
        const response = exit.value
        const json = parseJson(response.body)
        if (response.status === 200) {
          expect(Either.isRight(decodeSuccess(json))).toBe(true)
        } else {
          expect([400, 401, 403, 404, 409, 422]).toContain(response.status)
          expect(Either.isRight(decodeError(json))).toBe(true)
        }
        expect(response.headers["content-type"]).toBe("application/json")
      }).pipe(Effect.provide(world())),
    { timeout: 120_000, fastCheck: { numRuns: 1200 } }
  )
})
