import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import {
  ApiError,
  BadRequest,
  Conflict,
  DuplicationFailed,
  describeError,
  excerpt,
  Forbidden,
  InternalServerError,
  NotFound,
  PermissionDenied,
  ServiceUnavailable,
  TAXONOMY,
  TooManyRequests,
  Unauthorized,
  UnprocessableContent,
  UnprocessableEntity
} from "../../src/domain/errors.js"
import type { RequestId } from "../../src/domain/requestId.js"
import { ErrorEnvelope, errorEnvelope } from "../../src/http/envelopes.js"

/** SPEC §5, typed out independently of the implementation. */
const SPEC_STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PERMISSION_ERROR: 403,
  NOT_FOUND: 404,
  CONFLICT_ERROR: 409,
  DUPLICATION_FAILED: 422,
  UNPROCESSABLE_ENTITY: 422,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503
}

const text = fc.string({ maxLength: 300 })
const optionalText = fc.option(text, { nil: undefined })
const withOptional = <A>(make: (fields: { description?: string }) => A) =>
  optionalText.map((description) => make(description === undefined ? {} : { description }))

const apiError: fc.Arbitrary<ApiError> = fc.oneof(
  text.map((description) => new BadRequest({ description })),
  withOptional((fields) => new Unauthorized(fields)),
  text.map((description) => new Forbidden({ description })),
  text.map((description) => new PermissionDenied({ description })),
  fc.constantFrom("transfer" as const, "backfill" as const).map((resource) => new NotFound({ resource })),
  text.map((description) => new Conflict({ description })),
  withOptional((fields) => new DuplicationFailed(fields)),
  text.map((description) => new UnprocessableEntity({ description })),
  withOptional((fields) => new UnprocessableContent(fields)),
  fc.nat(86_400).map((retryAfterSeconds) => new TooManyRequests({ retryAfterSeconds })),
  fc.constant(new InternalServerError()),
  fc.anything().map((cause) => new ServiceUnavailable({ cause }))
)

describe("error taxonomy", () => {
  it("covers every code of SPEC §5 exactly once, with its status", () => {
    const codes = Object.values(TAXONOMY).map((entry) => entry.code)
    expect([...codes].sort()).toEqual(Object.keys(SPEC_STATUS_BY_CODE).sort())
    for (const entry of Object.values(TAXONOMY)) expect(entry.status, entry.code).toBe(SPEC_STATUS_BY_CODE[entry.code])
  })

  it.prop(
    "maps every error to a SPEC code in SCREAMING_SNAKE_CASE with that code's status",
    [apiError],
    ([error]) => {
      const detail = describeError(error)
      expect(detail.code).toMatch(/^[A-Z][A-Z0-9_]*$/)
      expect(detail.status).toBe(SPEC_STATUS_BY_CODE[detail.code])
      expect(detail.message.length).toBeGreaterThan(0)
      expect(detail.message.length).toBeLessThanOrEqual(255)
      expect((detail.description ?? "").length).toBeLessThanOrEqual(2048)
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "survives encoding and decoding as data, cause and all",
    [apiError],
    ([error]) => {
      const decoded = Schema.decodeUnknownSync(ApiError)(Schema.encodeSync(ApiError)(error))
      expect(decoded._tag).toBe(error._tag)
      expect(describeError(decoded)).toEqual(describeError(error))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "renders as an error envelope that the envelope schema accepts",
    [apiError],
    ([error]) => {
      const envelope = errorEnvelope("BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN" as RequestId, error)
      expect(Schema.decodeUnknownSync(ErrorEnvelope)(envelope)).toEqual(envelope)
      expect(Object.keys(envelope.error)).toEqual(
        describeError(error).description === undefined ? ["code", "message"] : ["code", "message", "description"]
      )
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("uses the seed's messages", () => {
    expect(describeError(new BadRequest({ description: "x" })).message).toBe("The request was invalid.")
    expect(describeError(new Unauthorized({})).message).toBe("Authentication is required.")
    expect(describeError(new Forbidden({ description: "x" })).message).toBe("You do not have access to this resource.")
    expect(describeError(new UnprocessableEntity({ description: "x" })).message).toBe(
      "Validation failed for the request parameters."
    )
    expect(describeError(new TooManyRequests({ retryAfterSeconds: 1 })).message).toBe(
      "Rate limit exceeded. Retry later."
    )
    expect(describeError(new InternalServerError()).message).toBe("An unexpected error occurred.")
  })

  it("describes a missing transfer exactly as the seed does", () => {
    expect(describeError(new NotFound({ resource: "transfer" }))).toEqual({
      code: "NOT_FOUND",
      status: 404,
      message: "Not Found",
      description: "The requested transfer could not be found or you do not have access to it."
    })
    expect(describeError(new NotFound({ resource: "backfill" })).description).toBe(
      "The requested backfill could not be found or you do not have access to it."
    )
  })

  it("keeps the cause of an unavailable port and every defect out of what callers see", () => {
    const detail = describeError(new ServiceUnavailable({ cause: new Error("password=hunter2 at db-7") }))
    expect(detail).toEqual({
      code: "SERVICE_UNAVAILABLE",
      status: 503,
      message: "The service is temporarily unavailable. Retry later."
    })
    expect(describeError(new InternalServerError())).not.toHaveProperty("description")
  })

  it("passes an occurrence's description through, and leaves it out when there is none", () => {
    expect(describeError(new Conflict({ description: "overlaps 7" })).description).toBe("overlaps 7")
    expect(describeError(new Unauthorized({}))).not.toHaveProperty("description")
    expect(describeError(new TooManyRequests({ retryAfterSeconds: 30 })).description).toBe("Retry after 30 seconds.")
  })
})

describe("excerpts of caller input", () => {
  it("quote short plain input unchanged", () => {
    expect(excerpt("2024-02-30")).toBe('"2024-02-30"')
  })

  it("replace anything outside a plain character set", () => {
    expect(excerpt('<script>"\n\u0000é')).toBe('"?script?????"')
  })

  it("cut long input at 40 characters", () => {
    expect(excerpt("a".repeat(41))).toBe(`"${"a".repeat(40)}…"`)
    expect(excerpt("a".repeat(40))).toBe(`"${"a".repeat(40)}"`)
  })

  it.prop(
    "never grow beyond 43 characters nor carry markup",
    [fc.string({ maxLength: 5000 })],
    ([input]) => {
      const quoted = excerpt(input)
      expect(quoted.length).toBeLessThanOrEqual(43)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not get through
      expect(quoted.slice(1, -1)).not.toMatch(/[<>"'\\\u0000-\u001f]/)
    },
    { fastCheck: { numRuns: 200 } }
  )
})
