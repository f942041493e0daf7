/**
 * Reading the parts of an HTTP request the operations need: the bearer token, the path
 * parameters and a JSON object body. Transport-agnostic: hosts pass raw values.
 */
import { Either, type ParseResult, Schema } from "effect"
import { BadRequest, excerpt } from "../domain/errors.js"
import { type IdempotencyKey, idempotencyKeyFromHeader } from "../domain/idempotency.js"
import { type IdSchema, idFromPathParam, MAX_INT64 } from "../domain/ids.js"

/** RFC 6750 §2.1: the scheme is case-insensitive, the token is a b64token. */
const BEARER_CREDENTIALS = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The token of an `Authorization: Bearer <token>` header, if the header is one. As RFC 6750
 * §2.1 says, the scheme is case-insensitive and the token a b64token.
 *
 * @example
 * ```ts
 * import { bearerToken } from "transfer-backfills"
 *
 * bearerToken("Bearer abc.def") // "abc.def"
 * bearerToken("Basic dXNlcjpwYXNz") // undefined
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const bearerToken = (authorization: string | undefined): string | undefined =>
  authorization === undefined ? undefined : BEARER_CREDENTIALS.exec(authorization)?.[1]

/**
 * Path parameters as a router hands them over: names to raw values, the library judging
 * each. The names an endpoint reads are typed, so `{ teamId: "1" }` for `team_id` does not
 * compile; a router's `Record<string, string>` fits any of them.
 *
 * @since 0.1.0
 * @category models
 */
export type PathParams<Name extends PathParamName = PathParamName> = { readonly [Key in Name]?: unknown }

/**
 * Every path parameter of the API.
 *
 * @since 0.2.0
 * @category models
 */
export type PathParamName = "team_id" | "transfer_id" | "backfill_id"

const pathDecoders = new WeakMap<object, (raw: unknown) => Either.Either<bigint, unknown>>()

/** One decoder per id kind, built on first use: building decoders is not free. */
const pathDecoder = <Id extends bigint>(schema: IdSchema<Id>) => {
  const known = pathDecoders.get(schema)
  if (known !== undefined) return known as (raw: unknown) => Either.Either<Id, unknown>
  const decoder = Schema.decodeUnknownEither(idFromPathParam(schema))
  pathDecoders.set(schema, decoder)
  return decoder
}

/**
 * The id in path parameter `name`, or a 400 naming the parameter: an id is a canonical
 * decimal integer between 1 and 2^63 − 1.
 *
 * @example
 * ```ts
 * import { decodePathParam, TeamId } from "transfer-backfills"
 *
 * decodePathParam({ team_id: "1" }, "team_id", TeamId) // Right(1n)
 * decodePathParam({ team_id: "01" }, "team_id", TeamId) // Left(BadRequest): not canonical
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const decodePathParam = <Id extends bigint, Name extends PathParamName>(
  path: PathParams<Name>,
  name: Name,
  schema: IdSchema<Id>
): Either.Either<Id, BadRequest> => {
  const raw = path[name]
  return Either.mapLeft(pathDecoder(schema)(raw), () => {
    const got = typeof raw === "string" ? `; got ${excerpt(raw)}` : ""
    return new BadRequest({
      description: `Path parameter ${name} must be a canonical decimal integer between 1 and ${MAX_INT64}${got}.`
    })
  })
}

/**
 * The largest request body the library reads, in bytes (16 KiB); a larger one is a 400.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BODY_BYTES = 16 * 1024

/**
 * A request body as a host has it: the raw text or bytes, or a value its framework already
 * parsed from JSON. `undefined` means no body was sent.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestBody = string | Uint8Array | unknown

const utf8Decoder = new TextDecoder("utf-8", { fatal: true })

const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff

/** Bytes of `text` in UTF-8 as `TextEncoder` writes it: a surrogate without its pair is U+FFFD, 3 bytes. */
const utf8ByteLength = (text: string): number => {
  let bytes = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4
      index += 1
    } else bytes += 3
  }
  return bytes
}

/**
 * The 400 for a body over `MAX_BODY_BYTES`, for hosts that stop reading a body early.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bodyTooLarge = () =>
  new BadRequest({ description: `The request body must not exceed ${MAX_BODY_BYTES} bytes.` })

const bodyText = (body: string | Uint8Array): Either.Either<string, BadRequest> => {
  if (typeof body === "string") {
    return body.length > MAX_BODY_BYTES || utf8ByteLength(body) > MAX_BODY_BYTES
      ? Either.left(bodyTooLarge())
      : Either.right(body)
  }
  if (body.byteLength > MAX_BODY_BYTES) return Either.left(bodyTooLarge())
  return Either.try({
    try: () => utf8Decoder.decode(body),
    catch: () => new BadRequest({ description: "The request body must be UTF-8 encoded JSON." })
  })
}

/**
 * The JSON value of a body, or a 400: no body, over 16 KiB, not UTF-8 or not JSON. A value a
 * framework already parsed is taken as is.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseJsonBody = (body: RequestBody): Either.Either<unknown, BadRequest> => {
  if (body === undefined) return Either.left(new BadRequest({ description: "A JSON request body is required." }))
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return Either.right(body)
  return Either.flatMap(bodyText(body), (text) =>
    Either.try({
      try: (): unknown => JSON.parse(text),
      catch: () => new BadRequest({ description: "The request body must be valid JSON." })
    })
  )
}

/** The first problem a decoder found: what kind, and at which field of the body, if any. */
const firstIssue = (
  issue: ParseResult.ParseIssue,
  field: PropertyKey | undefined = undefined
): { readonly tag: ParseResult.ParseIssue["_tag"]; readonly field: PropertyKey | undefined } => {
  switch (issue._tag) {
    case "Pointer": {
      const path = Array.isArray(issue.path) ? issue.path : [issue.path]
      return firstIssue(issue.issue, field ?? path[0])
    }
    case "Composite":
      return firstIssue(Array.isArray(issue.issues) ? issue.issues[0] : issue.issues, field)
    case "Refinement":
    case "Transformation":
      return firstIssue(issue.issue, field)
    default:
      return { tag: issue._tag, field }
  }
}

/**
 * Decodes a JSON object body against `schema`, refusing unknown fields, and turns the first
 * problem into a 400 that names the field. `fields` says, per field, what its value must be
 * ("must be a string"); the `optional` ones are left out of the sentence that says what
 * the body must hold. The caller's value is never formatted: a value nested thousands
 * deep would overflow the stack of any formatter.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { decodeObjectBody } from "transfer-backfills"
 *
 * const decodeRename = decodeObjectBody(Schema.Struct({ name: Schema.String }), { name: "must be a string" })
 *
 * decodeRename('{"name":"nightly"}') // Right({ name: "nightly" })
 * decodeRename('{"name":7}') // Left(BadRequest): "Field name must be a string."
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const decodeObjectBody = <A, I extends object>(
  schema: Schema.Schema<A, I>,
  fields: { readonly [Field in keyof I & string]-?: string },
  optional: ReadonlyArray<keyof I & string> = []
): ((body: RequestBody) => Either.Either<A, BadRequest>) => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })
  const required = Object.keys(fields).filter((field) => !optional.includes(field as keyof I & string))
  const expected = `a JSON object with ${required.join(" and ")}`
  const describe = (error: ParseResult.ParseError): string => {
    const { tag, field } = firstIssue(error.issue)
    if (typeof field !== "string") return `The request body must be ${expected}.`
    if (tag === "Unexpected") return `Field ${excerpt(field)} is not allowed; the body must be ${expected}.`
    if (tag === "Missing") return `Field ${field} is required.`
    return `Field ${field} ${fields[field as keyof typeof fields]}.`
  }
  return (body) =>
    Either.flatMap(parseJsonBody(body), (json) =>
      Either.mapLeft(decode(json), (error) => new BadRequest({ description: describe(error) }))
    )
}

/**
 * Query parameters as a router hands them over: a repeated parameter gives an array.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryParams = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * A 400 for the first parameter not in `allowed`.
 *
 * @since 0.1.0
 * @category utils
 */
export const refuseUnknownQueryParams = (
  query: QueryParams,
  allowed: ReadonlyArray<string>
): Either.Either<void, BadRequest> => {
  const unknown = Object.keys(query).find((name) => query[name] !== undefined && !allowed.includes(name))
  return unknown === undefined
    ? Either.void
    : Either.left(
        new BadRequest({
          description: `Query parameter ${excerpt(unknown)} is not supported; use ${allowed.join(", ")}.`
        })
      )
}

/**
 * Every value of a parameter, with comma-separated lists split: `?a=x,y&a=z` gives x, y, z.
 *
 * @since 0.1.0
 * @category utils
 */
export const queryValues = (query: QueryParams, name: string): ReadonlyArray<string> => {
  const raw = query[name]
  const values = raw === undefined ? [] : typeof raw === "string" ? [raw] : raw
  return values.flatMap((value) => value.split(",")).filter((value) => value !== "")
}

/**
 * The single value of a parameter, or a 400 when it is given more than once.
 *
 * @since 0.1.0
 * @category utils
 */
export const querySingle = (query: QueryParams, name: string): Either.Either<string | undefined, BadRequest> => {
  const raw = query[name]
  if (raw === undefined || typeof raw === "string") return Either.right(raw)
  return raw.length <= 1
    ? Either.right(raw[0])
    : Either.left(new BadRequest({ description: `Query parameter ${name} must be given at most once.` }))
}

/**
 * The key of an `Idempotency-Key` header (an RFC 8941 string or the bare characters, 1 to
 * 255 visible ASCII), `undefined` without the header, or a 400 saying what a key must be.
 *
 * @example
 * ```ts
 * import { decodeIdempotencyKeyHeader } from "transfer-backfills"
 *
 * decodeIdempotencyKeyHeader('"4f1c7d0e-2b9a-4c1e-9b7e-3f5a8c6d2e10"') // Right("4f1c7d0e-…")
 * decodeIdempotencyKeyHeader("") // Left(BadRequest)
 * ```
 *
 * @since 0.2.0
 * @category decoding
 */
export const decodeIdempotencyKeyHeader = (
  header: string | undefined
): Either.Either<IdempotencyKey | undefined, BadRequest> => {
  if (header === undefined) return Either.right(undefined)
  const key = idempotencyKeyFromHeader(header)
  return key === undefined
    ? Either.left(
        new BadRequest({
          description:
            'Header Idempotency-Key must be a string of 1 to 255 visible ASCII characters, quoted ("…") or bare.'
        })
      )
    : Either.right(key)
}
