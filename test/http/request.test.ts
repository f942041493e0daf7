import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { BadRequest } from "../../src/domain/errors.js"
import { TeamId } from "../../src/domain/ids.js"
import type { GetBackfillRequest } from "../../src/http/endpoints.js"
import {
  bearerToken,
  decodeObjectBody,
  decodePathParam,
  MAX_BODY_BYTES,
  parseJsonBody
} from "../../src/http/request.js"

const descriptionOf = <A>(result: Either.Either<A, BadRequest>): string | undefined =>
  Either.getLeft(result).pipe(
    Option.map((error) => error.description),
    Option.getOrUndefined
  )

describe("bearer tokens", () => {
  it.each([
    ["Bearer demo-admin", "demo-admin"],
    ["bearer abc.DEF_~+/==", "abc.DEF_~+/=="],
    ["BEARER   spaced", "spaced"],
    ["Bearer trailing ", "trailing"]
  ])("read %j as %j", (header, token) => {
    expect(bearerToken(header)).toBe(token)
  })

  it.each([
    undefined,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Bearer two tokens",
    "Bearer =abc",
    "Token abc",
    "Bearer a\u00e9"
  ])("find none in %j", (header) => {
    expect(bearerToken(header)).toBeUndefined()
  })
})

describe("path parameters", () => {
  it("decode a canonical id", () => {
    expect(decodePathParam({ team_id: "42" }, "team_id", TeamId)).toEqual(Either.right(42n))
  })

  it("name the parameter and quote the value when refusing it", () => {
    expect(descriptionOf(decodePathParam({ team_id: "042" }, "team_id", TeamId))).toBe(
      'Path parameter team_id must be a canonical decimal integer between 1 and 9223372036854775807; got "042".'
    )
  })

  it("refuse a missing or non-string parameter without quoting anything", () => {
    expect(descriptionOf(decodePathParam({}, "transfer_id", TeamId))).toBe(
      "Path parameter transfer_id must be a canonical decimal integer between 1 and 9223372036854775807."
    )
    expect(descriptionOf(decodePathParam({ transfer_id: 7 }, "transfer_id", TeamId))).toMatch(
      /^Path parameter transfer_id/
    )
  })
})

describe("JSON bodies", () => {
  it("read text, bytes and values a framework already parsed", () => {
    expect(parseJsonBody('{"a":1}')).toEqual(Either.right({ a: 1 }))
    expect(parseJsonBody(new TextEncoder().encode('{"a":"é"}'))).toEqual(Either.right({ a: "é" }))
    expect(parseJsonBody({ a: 1 })).toEqual(Either.right({ a: 1 }))
    expect(parseJsonBody(null)).toEqual(Either.right(null))
  })

  it("require a body", () => {
    expect(descriptionOf(parseJsonBody(undefined))).toBe("A JSON request body is required.")
  })

  it("refuse text that is not JSON, and bytes that are not UTF-8", () => {
    expect(descriptionOf(parseJsonBody("{range_start:"))).toBe("The request body must be valid JSON.")
    expect(descriptionOf(parseJsonBody(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe(
      "The request body must be UTF-8 encoded JSON."
    )
  })

  it.prop(
    "count a text body's bytes as UTF-8 encodes it, lone surrogates and all: the limit's last byte taken, one more refused",
    [fc.string16bits({ maxLength: 40 })],
    ([text]) => {
      const encoded = new TextEncoder().encode(text).byteLength
      const padded = (bytes: number) => `${" ".repeat(Math.max(bytes - encoded, 0))}${text}`
      const tooLarge = `The request body must not exceed ${MAX_BODY_BYTES} bytes.`
      expect(descriptionOf(parseJsonBody(padded(MAX_BODY_BYTES)))).not.toBe(tooLarge)
      expect(descriptionOf(parseJsonBody(padded(MAX_BODY_BYTES + 1)))).toBe(tooLarge)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("accept exactly 16 KiB and refuse one byte more, counting UTF-8 bytes", () => {
    const padded = (bytes: number) => `"${"a".repeat(bytes - 2)}"`
    expect(Either.isRight(parseJsonBody(padded(MAX_BODY_BYTES)))).toBe(true)
    expect(descriptionOf(parseJsonBody(padded(MAX_BODY_BYTES + 1)))).toBe(
      "The request body must not exceed 16384 bytes."
    )
    const twoByteChars = `"${"é".repeat((MAX_BODY_BYTES - 2) / 2)}"`
    expect(Either.isRight(parseJsonBody(twoByteChars))).toBe(true)
    expect(Either.isLeft(parseJsonBody(`${twoByteChars} `))).toBe(true)
    const fourByteChars = `"${"😀".repeat((MAX_BODY_BYTES - 4) / 4)}" `
    expect(Either.isRight(parseJsonBody(fourByteChars))).toBe(true)
    expect(Either.isLeft(parseJsonBody(`${fourByteChars}  `))).toBe(true)
    const threeByteChars = `"${"€".repeat(5460)}"  `
    expect(Either.isRight(parseJsonBody(threeByteChars))).toBe(true)
    expect(Either.isLeft(parseJsonBody(`${threeByteChars} `))).toBe(true)
    expect(Either.isRight(parseJsonBody(new Uint8Array(MAX_BODY_BYTES).fill(0x20).fill(0x31, 0, 1)))).toBe(true)
    expect(Either.isLeft(parseJsonBody(new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20).fill(0x31, 0, 1)))).toBe(true)
  })

  const decode = decodeObjectBody(Schema.Struct({ range_start: Schema.String, range_end: Schema.String }), {
    range_start: "must be a string",
    range_end: "must be a string"
  })

  it("decode an object with exactly the expected fields", () => {
    expect(decode('{"range_start":"a","range_end":"b"}')).toEqual(Either.right({ range_start: "a", range_end: "b" }))
  })

  it.each([
    ["[]", "The request body must be a JSON object with range_start and range_end."],
    ['"text"', "The request body must be a JSON object with range_start and range_end."],
    ["null", "The request body must be a JSON object with range_start and range_end."],
    ['{"range_end":"b"}', "Field range_start is required."],
    ['{"range_start":"a"}', "Field range_end is required."],
    ['{"range_start":1,"range_end":"b"}', "Field range_start must be a string."],
    ['{"range_start":"a","range_end":null}', "Field range_end must be a string."],
    [
      '{"range_start":"a","range_end":"b","<b>extra</b>":1}',
      'Field "?b?extra?/b?" is not allowed; the body must be a JSON object with range_start and range_end.'
    ]
  ])("refuse %s: %s", (body, description) => {
    expect(decode(body)).toEqual(Either.left(new BadRequest({ description })))
  })
})

describe("path parameter names", () => {
  it("are typed by name, so a misspelt one does not compile, while a router's record fits", () => {
    const fromRouter: Record<string, string> = { team_id: "1", backfill_id: "2" }
    const fits: GetBackfillRequest = { authorization: undefined, path: fromRouter }
    // @ts-expect-error the parameter is team_id, not teamId
    const misspelt: GetBackfillRequest = { authorization: undefined, path: { teamId: "1", backfill_id: "2" } }
    expect([fits.path.team_id, misspelt.path.backfill_id]).toEqual(["1", "2"])
  })
})
