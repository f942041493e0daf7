import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { BadRequest } from "../../src/domain/errors.js"
import { TeamId } from "../../src/domain/ids.js"
import type { GetBackfillRequest } from "../../src/http/endpoints.js"
import {
  bearerToken,
  decodeIdempotencyKeyHeader,
  decodeObjectBody,
  decodePathParam,
  MAX_BODY_BYTES,
  parseJsonBody,
  querySingle,
  queryValues,
  refuseUnknownQueryParams
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
    "NotBearer abc",
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

/**
 * Any UTF-16 text, with the code units where UTF-8's byte count changes (1 to 2 to 3 bytes,
 * and both ends of each surrogate range) drawn often, not left to chance.
 */
const utf16Text = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ...[0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff].map((unit) =>
          String.fromCharCode(unit)
        )
      ),
      fc.string16bits({ maxLength: 4 })
    ),
    { maxLength: 20 }
  )
  .map((parts) => parts.join(""))

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
    [utf16Text],
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

describe("object bodies behind a refinement or a transformation", () => {
  const fields = { a: "must be a string", b: "must be a string" }
  const refined = decodeObjectBody(
    Schema.Struct({ a: Schema.String, b: Schema.String }).pipe(Schema.filter(({ a, b }) => a !== b)),
    fields
  )
  const renamed = decodeObjectBody(
    Schema.transform(Schema.Struct({ a: Schema.String, b: Schema.String }), Schema.Struct({ first: Schema.String }), {
      strict: true,
      decode: ({ a }) => ({ first: a }),
      encode: ({ first }) => ({ a: first, b: first })
    }),
    fields,
    ["b"]
  )

  it("still name the field that is missing, wrong or not allowed", () => {
    expect(descriptionOf(refined('{"a":"x"}'))).toBe("Field b is required.")
    expect(descriptionOf(refined('{"a":"x","b":2}'))).toBe("Field b must be a string.")
    expect(descriptionOf(renamed('{"b":"y"}'))).toBe("Field a is required.")
    expect(descriptionOf(renamed('{"a":"x","b":"y","c":1}'))).toBe(
      'Field "c" is not allowed; the body must be a JSON object with a.'
    )
  })

  it("speak of the whole body when the refinement refuses it, leaving the optional fields out", () => {
    expect(descriptionOf(refined('{"a":"x","b":"x"}'))).toBe("The request body must be a JSON object with a and b.")
    expect(renamed('{"a":"x","b":"y"}')).toEqual(Either.right({ first: "x" }))
  })
})

describe("query parameters", () => {
  it("split comma-separated and repeated values, dropping empty ones", () => {
    expect(queryValues({ status: "a,b" }, "status")).toEqual(["a", "b"])
    expect(queryValues({ status: ["a", "b,c"] }, "status")).toEqual(["a", "b", "c"])
    expect(queryValues({ status: ",a,,b," }, "status")).toEqual(["a", "b"])
    expect(queryValues({ status: "" }, "status")).toEqual([])
    expect(queryValues({ other: "a" }, "status")).toEqual([])
  })

  it("take a parameter given once, as text or as a one-value list, and refuse it given twice", () => {
    expect(querySingle({ limit: "5" }, "limit")).toEqual(Either.right("5"))
    expect(querySingle({ limit: ["5"] }, "limit")).toEqual(Either.right("5"))
    expect(querySingle({ limit: [] }, "limit")).toEqual(Either.right(undefined))
    expect(querySingle({}, "limit")).toEqual(Either.right(undefined))
    expect(descriptionOf(querySingle({ limit: ["5", "6"] }, "limit"))).toBe(
      "Query parameter limit must be given at most once."
    )
  })

  it("refuse the first parameter not allowed, ignoring names a router left without a value", () => {
    const allowed = ["status", "limit"]
    expect(refuseUnknownQueryParams({ limit: "1", sort: undefined }, allowed)).toEqual(Either.void)
    expect(descriptionOf(refuseUnknownQueryParams({ limit: "1", sort: "id", page: "2" }, allowed))).toBe(
      'Query parameter "sort" is not supported; use status, limit.'
    )
  })
})

describe("Idempotency-Key headers", () => {
  it("read no key without the header, a quoted or bare key, and refuse anything else", () => {
    expect(decodeIdempotencyKeyHeader(undefined)).toEqual(Either.right(undefined))
    expect(decodeIdempotencyKeyHeader('"key-1"')).toEqual(Either.right("key-1"))
    expect(decodeIdempotencyKeyHeader("key-1")).toEqual(Either.right("key-1"))
    for (const header of ["", '""', "two words", "x".repeat(256)]) {
      expect(descriptionOf(decodeIdempotencyKeyHeader(header))).toBe(
        'Header Idempotency-Key must be a string of 1 to 255 visible ASCII characters, quoted ("…") or bare.'
      )
    }
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
