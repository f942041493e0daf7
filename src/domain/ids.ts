/**
 * Identifiers are PostgreSQL `bigint`s: up to 2^63 − 1, far beyond what a JS `number`
 * holds exactly. They live as branded `bigint`s and are read from path strings and JSON
 * without ever passing through a lossy `number`.
 */
import { ParseResult, Schema } from "effect"

/**
 * The largest id: PostgreSQL's `bigint` maximum, 2^63 − 1.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_INT64 = 9223372036854775807n

const PositiveInt64 = Schema.BigIntFromSelf.pipe(
  Schema.betweenBigInt(1n, MAX_INT64, {
    message: () => `must be an integer between 1 and ${MAX_INT64}`
  })
)

/**
 * A team's id: a positive int64, branded, kept as a `bigint` so it never loses precision.
 *
 * @example
 * ```ts
 * import { TeamId } from "transfer-backfills"
 *
 * const team = TeamId.make(1n)
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const TeamId = PositiveInt64.pipe(Schema.brand("TeamId"))
/**
 * A team's id.
 *
 * @since 0.1.0
 * @category models
 */
export type TeamId = typeof TeamId.Type

/**
 * A transfer's id: a positive int64, branded, kept as a `bigint`.
 *
 * @example
 * ```ts
 * import { TransferId } from "transfer-backfills"
 *
 * const transfer = TransferId.make(456789n)
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const TransferId = PositiveInt64.pipe(Schema.brand("TransferId"))
/**
 * A transfer's id.
 *
 * @since 0.1.0
 * @category models
 */
export type TransferId = typeof TransferId.Type

/**
 * A backfill's id, assigned by the repository: a positive int64, branded, kept as a
 * `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BackfillId = PositiveInt64.pipe(Schema.brand("BackfillId"))
/**
 * A backfill's id.
 *
 * @since 0.1.0
 * @category models
 */
export type BackfillId = typeof BackfillId.Type

/**
 * A user's id: a positive int64, branded, kept as a `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserId = PositiveInt64.pipe(Schema.brand("UserId"))
/**
 * A user's id.
 *
 * @since 0.1.0
 * @category models
 */
export type UserId = typeof UserId.Type

/**
 * Any of the four id schemas: all share the positive int64 representation.
 *
 * @since 0.1.0
 * @category models
 */
export type IdSchema<Id extends bigint> = Schema.Schema<Id, bigint>

/** A path segment holds an id only in canonical form: no sign, no leading zero, no spaces. */
const CANONICAL_DECIMAL = /^[1-9][0-9]{0,18}$/

const BigIntFromCanonicalDecimal = Schema.transformOrFail(Schema.String, Schema.BigIntFromSelf, {
  strict: true,
  decode: (text, _, ast) =>
    CANONICAL_DECIMAL.test(text)
      ? ParseResult.succeed(BigInt(text))
      : ParseResult.fail(new ParseResult.Type(ast, text, "must be a canonical decimal integer")),
  encode: (value) => ParseResult.succeed(value.toString())
})

const fromPathParam = new WeakMap<object, Schema.Schema<bigint, string>>()

/**
 * Decodes an id from a URL path parameter, e.g. `"456789"`. One schema per id kind. Only
 * the canonical form is accepted: no sign, no leading zero, no spaces.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { BackfillId, idFromPathParam } from "transfer-backfills"
 *
 * const backfillId = Schema.decodeUnknownSync(idFromPathParam(BackfillId))("42")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const idFromPathParam = <Id extends bigint>(id: IdSchema<Id>): Schema.Schema<Id, string> => {
  const known = fromPathParam.get(id)
  if (known !== undefined) return known as unknown as Schema.Schema<Id, string>
  const composed = Schema.compose(BigIntFromCanonicalDecimal, id)
  fromPathParam.set(id, composed as unknown as Schema.Schema<bigint, string>)
  return composed
}

/**
 * An id as it appears in JSON: a `number` when JSON.parse produced one (exact only up to
 * 2^53 − 1, so larger numbers are rejected rather than guessed), or a `bigint` when the
 * lossless reader of the tests read the digits. It always encodes to a `bigint`, which
 * the lossless writer prints as plain digits.
 */
const BigIntFromJsonNumber = Schema.transformOrFail(
  Schema.Union(Schema.BigIntFromSelf, Schema.Number),
  Schema.BigIntFromSelf,
  {
    strict: true,
    decode: (value, _, ast) => {
      if (typeof value === "bigint") return ParseResult.succeed(value)
      return Number.isSafeInteger(value)
        ? ParseResult.succeed(BigInt(value))
        : ParseResult.fail(new ParseResult.Type(ast, value, "must be an exact integer"))
    },
    encode: (value) => ParseResult.succeed(value)
  }
).annotations({ jsonSchema: { type: "integer", format: "int64", minimum: 1 } })

/**
 * An id as it appears in JSON: a `number` when `JSON.parse` produced one (exact only up to
 * 2^53 − 1, so larger numbers are rejected rather than guessed), or a `bigint` when a
 * lossless reader read the digits. It always encodes to a `bigint`, which a lossless
 * writer prints as plain digits.
 *
 * @since 0.1.0
 * @category schemas
 */
export const idFromJson = <Id extends bigint>(id: IdSchema<Id>): Schema.Schema<Id, bigint | number> =>
  Schema.compose(BigIntFromJsonNumber, id)
