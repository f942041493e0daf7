import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, JSONSchema, Schema } from "effect"
import { BackfillId, idFromJson, idFromPathParam, MAX_INT64, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { decodeMessage } from "../support/messages.js"

const fromPath = Schema.decodeUnknownEither(idFromPathParam(TeamId))
const fromJson = Schema.decodeUnknownEither(idFromJson(BackfillId))

describe("ids", () => {
  it("keep 2^63 − 1 exact from a path string", () => {
    expect(fromPath("9223372036854775807")).toEqual(Either.right(9223372036854775807n))
    expect(MAX_INT64).toBe(2n ** 63n - 1n)
  })

  it("accept the smallest id, 1", () => {
    expect(fromPath("1")).toEqual(Either.right(1n))
  })

  it.each([
    "0",
    "-1",
    "01",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "",
    "abc",
    "9223372036854775808",
    "99999999999999999999",
    "١٢٣"
  ])("refuse the path string %j", (text) => {
    expect(Either.isLeft(fromPath(text))).toBe(true)
  })

  it("refuse path values that are not strings", () => {
    expect(Either.isLeft(fromPath(12))).toBe(true)
    expect(Either.isLeft(fromPath(undefined))).toBe(true)
  })

  it.prop(
    "decode every id in range from its decimal string and encode it back",
    [fc.bigInt({ min: 1n, max: MAX_INT64 })],
    ([value]) => {
      const schema = idFromPathParam(TransferId)
      const decoded = Schema.decodeSync(schema)(value.toString())
      expect(decoded).toBe(value)
      expect(Schema.encodeSync(schema)(decoded)).toBe(value.toString())
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "refuse every integer outside [1, 2^63 − 1]",
    [fc.oneof(fc.bigInt({ max: 0n }), fc.bigInt({ min: MAX_INT64 + 1n }))],
    ([value]) => {
      expect(Either.isLeft(fromPath(value.toString()))).toBe(true)
      expect(Either.isLeft(fromJson(value))).toBe(true)
      expect(Either.isLeft(Schema.decodeUnknownEither(UserId)(value))).toBe(true)
    },
    { fastCheck: { numRuns: 200 } }
  )

  it("say why they refuse a value", () => {
    expect(decodeMessage(idFromPathParam(TeamId), "01")).toContain("must be a canonical decimal integer")
    expect(decodeMessage(idFromPathParam(TeamId), "9223372036854775808")).toContain(
      "must be an integer between 1 and 9223372036854775807"
    )
    expect(decodeMessage(idFromJson(TeamId), 2 ** 60)).toContain("must be an exact integer")
    expect(decodeMessage(idFromJson(TeamId), 12)).toBeUndefined()
  })

  it("describe themselves in JSON Schema as int64 integers", () => {
    expect(JSONSchema.make(idFromJson(UserId))).toMatchObject({ type: "integer", format: "int64", minimum: 1 })
  })

  it("read JSON numbers only while they are exact", () => {
    expect(fromJson(12345)).toEqual(Either.right(12345n))
    expect(fromJson(Number.MAX_SAFE_INTEGER)).toEqual(Either.right(BigInt(Number.MAX_SAFE_INTEGER)))
    expect(Either.isLeft(fromJson(Number.MAX_SAFE_INTEGER + 1))).toBe(true)
    expect(Either.isLeft(fromJson(1.5))).toBe(true)
    expect(Either.isLeft(fromJson("12345"))).toBe(true)
  })

  it("read JSON bigints (from the lossless parser) exactly and always write bigints", () => {
    expect(fromJson(9223372036854775807n)).toEqual(Either.right(9223372036854775807n))
    expect(Schema.encodeSync(idFromJson(BackfillId))(BackfillId.make(7n))).toBe(7n)
  })
})
