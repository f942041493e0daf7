/**
 * Request ids tie a response to the logs of the request. A host may pass its own (from an
 * `X-Request-Id` header, say); an absent or malformed one is replaced by a UUIDv7 built
 * from the Clock and Random services, so tests can make them deterministic.
 */
import { Clock, Effect, Random, Schema } from "effect"

/**
 * A request id that ties a response to the logs of its request: 8 to 64 letters, digits,
 * `_` or `-`, so a host's own (from an `X-Request-Id` header, say) is safe to echo and log.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{8,64}$/, { identifier: "RequestId" }),
  Schema.brand("RequestId")
)
/**
 * A well-formed request id.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestId = typeof RequestId.Type

const isRequestId = Schema.is(RequestId)

const hex = (value: number, digits: number): string => value.toString(16).toUpperCase().padStart(digits, "0")

const randomBits = (bits: number): Effect.Effect<number> => Random.nextIntBetween(0, 2 ** bits)

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, variant 10, 74 random bits.
 * Built from the `Clock` and `Random` services, so tests can make it deterministic.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateRequestId: Effect.Effect<RequestId> = Effect.gen(function* () {
  const millis = yield* Clock.currentTimeMillis
  const [randA, randB1, randB2, randB3] = yield* Effect.all([
    randomBits(12),
    randomBits(14),
    randomBits(16),
    randomBits(32)
  ])
  const time = hex(Math.floor(millis), 12)
  const uuid = `${time.slice(0, 8)}-${time.slice(8)}-${hex(0x7000 | randA, 4)}-${hex(0x8000 | randB1, 4)}-${hex(randB2, 4)}${hex(randB3, 8)}`
  return uuid as RequestId
})

/**
 * The host's request id when it is well formed, otherwise a fresh one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { resolveRequestId } from "transfer-backfills"
 *
 * const requestId = Effect.runSync(resolveRequestId("not a valid id!")) // a fresh UUIDv7
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveRequestId = (candidate: string | undefined): Effect.Effect<RequestId> =>
  candidate !== undefined && isRequestId(candidate) ? Effect.succeed(candidate) : generateRequestId
