import { describe, expect, it } from "@effect/vitest"
import { Effect, Random, Schema, TestClock } from "effect"
import { generateRequestId, RequestId, resolveRequestId } from "../../src/domain/requestId.js"

const UUID_V7 = /^[0-9A-F]{8}-[0-9A-F]{4}-7[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/

describe("request ids", () => {
  it.effect("reuse a well-formed id from the host", () =>
    Effect.gen(function* () {
      expect(yield* resolveRequestId("BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN")).toBe("BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN")
      expect(yield* resolveRequestId("abcd-123")).toBe("abcd-123")
    })
  )

  it.effect.each(["short", "x".repeat(65), "has space in it", "semi;colon;", "é-unicode-id", ""])(
    "replace the malformed host id %j by a UUIDv7",
    (candidate) =>
      Effect.gen(function* () {
        const id = yield* resolveRequestId(candidate)
        expect(id).not.toBe(candidate)
        expect(id).toMatch(UUID_V7)
      })
  )

  it.effect("generate UUIDv7s carrying the clock's milliseconds, in the seed's upper-case style", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(0x01892a4d7586)
      const id = yield* generateRequestId
      expect(id).toMatch(UUID_V7)
      expect(id.startsWith("01892A4D-7586-7")).toBe(true)
      expect(Schema.is(RequestId)(id)).toBe(true)
    })
  )

  it.effect("come from the injected Random service, so tests can fix them", () =>
    Effect.gen(function* () {
      const first = yield* Effect.withRandom(generateRequestId, Random.make("seed"))
      const again = yield* Effect.withRandom(generateRequestId, Random.make("seed"))
      const other = yield* Effect.withRandom(generateRequestId, Random.make("other"))
      expect(first).toBe(again)
      expect(other).not.toBe(first)
    })
  )

  it.effect("differ from one request to the next", () =>
    Effect.gen(function* () {
      const ids = yield* Effect.all(Array.from({ length: 200 }, () => generateRequestId))
      expect(new Set(ids).size).toBe(200)
    })
  )
})
