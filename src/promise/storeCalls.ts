/**
 * How a Promise store's answers and arguments cross into the library: plain values to
 * and from the domain's, keys, and the changes the library decides inside the store's
 * atomic step.
 */
import { Effect, Either, Option, Schema } from "effect"
import type { WriteAccess } from "../domain/access.js"
import type { Backfill, UnsavedBackfill } from "../domain/backfill.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import {
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  type IdempotencyRefused,
  type IdempotentRequest
} from "../domain/idempotency.js"
import { BackfillId } from "../domain/ids.js"
import { UnknownBackfill } from "../domain/workerErrors.js"
import { markAnsweredFromKey } from "../ports/keyReplay.js"
import {
  BackfillFromPlain,
  DayRunFromPlain,
  type PlainBackfill,
  type PlainDayRun,
  type PlainUnsavedBackfill
} from "./plain.js"
import { type PlainChange, type PromiseBackfillRepository, portCall } from "./repository.js"

/** A trailing optional argument, passed only when there is one, so a store sees exactly what it was given. */
export const optional = <A>(value: A | undefined): [] | [A] => (value === undefined ? [] : [value])

export const toPlain = Schema.encodeSync(BackfillFromPlain)
/** Encoded as a whole backfill under a stand-in id, which is then left out. */
export const toPlainUnsaved = (backfill: UnsavedBackfill): PlainUnsavedBackfill => {
  const { id: _, ...unsaved } = toPlain({ ...backfill, id: BackfillId.make(1n) })
  return unsaved
}
export const decodePlain = Schema.decodeUnknownEither(BackfillFromPlain)
export const fromPlain = (plain: PlainBackfill) => Effect.orDie(Schema.decodeUnknown(BackfillFromPlain)(plain))
export const fromNullablePlain = (plain: PlainBackfill | null | undefined) =>
  Effect.transposeMapOption(Option.fromNullable(plain), fromPlain)
export const runFromPlain = (plain: PlainDayRun) => Effect.orDie(Schema.decodeUnknown(DayRunFromPlain)(plain))

export const toPlainKey = (access: WriteAccess, idempotency: IdempotentRequest | undefined) =>
  idempotency === undefined
    ? undefined
    : {
        key: idempotency.key,
        userId: String(access.principal.userId),
        fingerprint: idempotency.fingerprint,
        timeMillis: idempotency.now * 1000,
        expiresAtMillis: idempotency.expiresAt * 1000
      }

/** A store's answer to a keyed change it did not make, or `undefined` for any other answer. */
export const keyAnswer = (
  outcome: object
): Effect.Effect<Backfill, IdempotencyKeyReused | IdempotencyKeyInFlight> | undefined => {
  if ("replayed" in outcome) return Effect.zipRight(markAnsweredFromKey, fromPlain(outcome.replayed as PlainBackfill))
  if (!("idempotencyKey" in outcome)) return undefined
  return outcome.idempotencyKey === "in-flight"
    ? Effect.fail(new IdempotencyKeyInFlight())
    : Effect.fail(new IdempotencyKeyReused())
}

/**
 * A change the library decides inside the store's atomic step (`store.change`): the
 * store reads the backfill, `transition` says what it becomes or why not, and the store
 * writes that. What was decided inside comes back with the store's answer.
 */
export const change = <Refusal>(
  store: PromiseBackfillRepository,
  access: WriteAccess,
  id: BackfillId,
  idempotency: IdempotentRequest | undefined,
  transition: (
    current: Backfill
  ) => Either.Either<{ readonly backfill: Backfill; readonly runs: PlainChange["runs"] }, Refusal>
): Effect.Effect<Backfill, UnknownBackfill | Refusal | IdempotencyRefused | ServiceUnavailable> => {
  let refusal = Option.none<Refusal>()
  let unreadable = Option.none<unknown>()
  const decide = (plain: PlainBackfill): PlainChange | null => {
    refusal = Option.none()
    unreadable = Option.none()
    const current = decodePlain(plain)
    if (Either.isLeft(current)) {
      unreadable = Option.some(current.left)
      return null
    }
    const next = transition(current.right)
    if (Either.isLeft(next)) {
      refusal = Option.some(next.left)
      return null
    }
    return { backfill: toPlain(next.right.backfill), runs: next.right.runs }
  }
  return Effect.flatMap(
    portCall(() =>
      store.change(String(access.teamId), String(id), decide, ...optional(toPlainKey(access, idempotency)))
    ),
    (outcome): Effect.Effect<Backfill, UnknownBackfill | Refusal | IdempotencyRefused> => {
      if (outcome === null || outcome === undefined) return Effect.fail(new UnknownBackfill({ backfillId: id }))
      const answered = keyAnswer(outcome)
      if (answered !== undefined) return answered
      if (Option.isSome(unreadable)) return Effect.die(unreadable.value)
      if ("changed" in outcome) return fromPlain(outcome.changed)
      if ("unchanged" in outcome && Option.isSome(refusal)) return Effect.fail(refusal.value)
      return Effect.dieMessage("The store answered a change with none of its answers, or unchanged for a decided one")
    }
  )
}
