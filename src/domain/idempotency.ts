/**
 * Idempotent requests, as the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field"
 * describes them: a client names a request with a key; the same key from the same user
 * and team with the same request replays the first answer, with another request it is
 * refused. The repository keeps each key in the same atomic step as the change it
 * answered, so a change and its key are stored together or not at all.
 */
import { Context, Duration, Schema } from "effect"
import type { EpochSeconds } from "./time.js"

/**
 * A client's name for one request: 1 to 255 visible ASCII characters.
 *
 * @since 0.2.0
 * @category schemas
 */
export const IdempotencyKey = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e]{1,255}$/, { identifier: "IdempotencyKey" }),
  Schema.brand("IdempotencyKey")
)
/**
 * A client's name for one request.
 *
 * @since 0.2.0
 * @category models
 */
export type IdempotencyKey = typeof IdempotencyKey.Type

/**
 * An `Idempotency-Key` header value as the key it carries: an RFC 8941 string (`"…"`,
 * with `\"` and `\\` escapes) or, as many clients send it, the bare characters. `"abc"`
 * and `abc` are the same key. `undefined` for anything else (the caller answers 400).
 *
 * @example
 * ```ts
 * import { idempotencyKeyFromHeader } from "transfer-backfills"
 *
 * idempotencyKeyFromHeader('"8e03978e-40d5-43e8-bc93-6894a57f9324"') // "8e03978e-40d5-43e8-bc93-6894a57f9324"
 * idempotencyKeyFromHeader("8e03978e-40d5-43e8-bc93-6894a57f9324") // the same key
 * idempotencyKeyFromHeader("two words") // undefined: a space is not a visible character
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const idempotencyKeyFromHeader = (header: string): IdempotencyKey | undefined => {
  const value = header.trim()
  const key = value.startsWith('"') ? unquote(value) : value
  return Schema.is(IdempotencyKey)(key) ? key : undefined
}

/** RFC 8941's sf-string: quotes around characters, `"` and `\` escaped; what it may contain the key's schema judges. */
const SF_STRING = /^"((?:[^"\\]|\\["\\])*)"$/

/** An sf-string's content, or `undefined` when `quoted` is not exactly one. */
const unquote = (quoted: string): string | undefined => SF_STRING.exec(quoted)?.[1]?.replace(/\\(["\\])/g, "$1")

/**
 * What a keyed request asks the repository to remember with its change: the key, the
 * request it names (the operation and its canonical command, as `requestFingerprint`
 * writes them), the time of the request, and until when the key holds. The user and team are the
 * access evidence's: a key is never shared across users or teams.
 *
 * @since 0.2.0
 * @category models
 */
export interface IdempotentRequest {
  readonly key: IdempotencyKey
  readonly fingerprint: string
  readonly now: EpochSeconds
  readonly expiresAt: EpochSeconds
}

/**
 * A request as its key remembers it: the operation's name and its decoded command as
 * canonical JSON (members sorted by name, no white space, ids as digits), so that two
 * spellings of one request are one request, whatever transport carried it.
 *
 * @since 0.2.0
 * @category utils
 */
export const requestFingerprint = (operation: string, command: unknown): string =>
  `${operation} ${canonicalJson(command)}`

const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(",")}}`
  }
  return typeof value === "bigint" ? String(value) : JSON.stringify(value)
}

/**
 * The key was first used with a different request (SPEC §5: 422 `DUPLICATION_FAILED`).
 *
 * @since 0.2.0
 * @category errors
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {}) {}

/**
 * The key's first request is still being answered (SPEC §5: 409 `CONFLICT_ERROR`).
 *
 * @since 0.2.0
 * @category errors
 */
export class IdempotencyKeyInFlight extends Schema.TaggedError<IdempotencyKeyInFlight>()(
  "IdempotencyKeyInFlight",
  {}
) {}

/**
 * How a keyed change is refused before it is tried: the key names another request, or its
 * first request is still in flight.
 *
 * @since 0.2.0
 * @category errors
 */
export type IdempotencyRefused = IdempotencyKeyReused | IdempotencyKeyInFlight

/**
 * How long a key is remembered after its first request: 24 hours unless the host
 * provides another duration (`Layer.succeed(IdempotencyKeyLifetime, Duration.hours(48))`).
 *
 * @since 0.2.0
 * @category services
 */
export class IdempotencyKeyLifetime extends Context.Reference<IdempotencyKeyLifetime>()(
  "transfer-backfills/IdempotencyKeyLifetime",
  { defaultValue: (): Duration.Duration => Duration.hours(24) }
) {}
