/**
 * `transfer-backfills/testing/arbitraries`: fast-check arbitraries for the library's values, for property tests of the library and
 * of hosts. Built on `effect/FastCheck`, the copy `effect` itself uses, so they mix with
 * `Arbitrary.make` and with `it.prop` of `@effect/vitest`.
 *
 * @module transfer-backfills/testing/arbitraries
 */
import { FastCheck as fc, Option, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
import type { Principal } from "../domain/access.js"
import type { Backfill, RunError } from "../domain/backfill.js"
import { type CalendarDate, FIRST_DAY, LAST_DAY } from "../domain/calendarDate.js"
import { type DateRange, dayCount, daysOf, makeDateRange } from "../domain/dateRange.js"
import { BackfillId, type IdSchema, MAX_INT64, TeamId, TransferId, UserId } from "../domain/ids.js"
import { ALL_STATUSES, type BackfillStatus, hasEnded, hasStarted } from "../domain/status.js"
import { EpochSeconds } from "../domain/time.js"

const EPOCH = Temporal.PlainDate.from("1970-01-01")
const epochDayOf = (date: string): number => EPOCH.until(Temporal.PlainDate.from(date), { largestUnit: "days" }).days

/**
 * The calendar days an arbitrary may generate, `YYYY-MM-DD` at both ends.
 *
 * @since 0.1.0
 * @category models
 */
export interface DateBounds {
  /** Earliest day generated; default 0001-01-01, the first the library accepts. */
  readonly min?: string | undefined
  /** Latest day generated; default 9999-12-31. */
  readonly max?: string | undefined
}

/**
 * Any real calendar day between the bounds.
 *
 * @example
 * ```ts
 * import { FastCheck } from "effect"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * FastCheck.assert(
 *   FastCheck.property(Arbitraries.calendarDate({ min: "2024-01-01", max: "2024-12-31" }), (day) =>
 *     day.startsWith("2024-")
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const calendarDate = (bounds: DateBounds = {}): fc.Arbitrary<CalendarDate> =>
  fc
    .integer({ min: epochDayOf(bounds.min ?? FIRST_DAY), max: epochDayOf(bounds.max ?? LAST_DAY) })
    .map((day) => EPOCH.add({ days: day }).toString() as CalendarDate)

/**
 * A range of 1 to `maxDays` days (default 400) starting between the bounds (and ending by
 * 9999-12-31).
 *
 * @example
 * ```ts
 * import { FastCheck } from "effect"
 * import { dayCount } from "transfer-backfills"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * FastCheck.assert(
 *   FastCheck.property(Arbitraries.dateRange({ min: "2024-01-01", maxDays: 31 }), (range) => dayCount(range) <= 31)
 * )
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const dateRange = (
  options: DateBounds & { readonly maxDays?: number | undefined } = {}
): fc.Arbitrary<DateRange> =>
  fc
    .tuple(calendarDate(options), fc.integer({ min: 0, max: (options.maxDays ?? 400) - 1 }))
    .map(([start, extraDays]) => {
      const end = Temporal.PlainDate.from(start).add({ days: extraDays })
      const last = end.year > 9999 ? LAST_DAY : end.toString()
      return Option.getOrThrow(Option.getRight(makeDateRange(start, last as CalendarDate)))
    })

/**
 * Text that must never parse as a calendar date: wrong shapes and impossible days.
 *
 * @example
 * ```ts
 * import { Either, FastCheck } from "effect"
 * import { parseCalendarDate } from "transfer-backfills"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * FastCheck.assert(FastCheck.property(Arbitraries.invalidDateText, (text) => Either.isLeft(parseCalendarDate(text))))
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const invalidDateText: fc.Arbitrary<string> = fc.oneof(
  fc.string().filter((text) => !/^\d{4}-\d{2}-\d{2}$/.test(text)),
  fc.constantFrom(
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "2024-04-31",
    "2024-1-01",
    "2024-01-1",
    "+002024-01-01",
    "-002024-01-01",
    "2024-01-01T00:00",
    "2024-01-01Z",
    " 2024-01-01",
    "2024-01-01 ",
    "20240101",
    "2024/01/01",
    "２０２４-01-01"
  ),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
    .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`)
    .filter((text) => {
      try {
        Temporal.PlainDate.from(text, { overflow: "reject" })
        return false
      } catch {
        return true
      }
    })
)

/**
 * An id of the given kind, biased towards the edges (1 and 2^63 − 1).
 *
 * @example
 * ```ts
 * import { FastCheck } from "effect"
 * import { BackfillId } from "transfer-backfills"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * const backfillIds = Arbitraries.id(BackfillId) // the same as Arbitraries.backfillId
 * FastCheck.assert(FastCheck.property(backfillIds, (id) => id >= 1n && id <= 9223372036854775807n))
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const id = <Id extends bigint>(schema: IdSchema<Id>): fc.Arbitrary<Id> =>
  fc.bigInt({ min: 1n, max: MAX_INT64 }).map(Schema.decodeSync(schema))

/**
 * Any team id, biased towards the edges (1 and 2^63 − 1).
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const teamId = id(TeamId)
/**
 * Any transfer id, biased towards the edges (1 and 2^63 − 1).
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const transferId = id(TransferId)
/**
 * Any backfill id, biased towards the edges (1 and 2^63 − 1).
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const backfillId = id(BackfillId)
/**
 * Any user id, biased towards the edges (1 and 2^63 − 1).
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const userId = id(UserId)

/**
 * An instant between 1970 and 2100, at whole seconds.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const timestamp: fc.Arbitrary<EpochSeconds> = fc
  .integer({ min: 0, max: 4_102_444_800 })
  .map((seconds) => EpochSeconds.make(seconds))

/**
 * Any of the six statuses of SPEC §4.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const backfillStatus: fc.Arbitrary<BackfillStatus> = fc.constantFrom(...ALL_STATUSES)

interface Progress {
  readonly created: number
  readonly completed: number
  readonly failedDays: ReadonlyArray<CalendarDate>
}

/** Run counters a backfill in `status` can have, per SPEC §4. */
const progress = (status: BackfillStatus, days: ReadonlyArray<CalendarDate>): fc.Arbitrary<Progress> => {
  const total = days.length
  const allCreated = !(status === "CREATED" || status === "CANCELLED")
  const createdArb = allCreated ? fc.constant(total) : fc.integer({ min: 0, max: total })
  return createdArb.chain((created) => {
    const finishedArb =
      status === "CREATED"
        ? fc.constant(0)
        : status === "COMPLETED" || status === "FAILED"
          ? fc.constant(created)
          : fc.integer({ min: 0, max: created })
    return finishedArb.chain((finished) => {
      const failedArb =
        status === "CREATED" || status === "SCHEDULED" || status === "COMPLETED"
          ? fc.constant(0)
          : fc.integer({ min: status === "FAILED" ? 1 : 0, max: finished })
      return failedArb.chain((failed) =>
        fc
          .shuffledSubarray([...days], { minLength: failed, maxLength: failed })
          .map((failedDays) => ({ created, completed: finished - failed, failedDays: [...failedDays].sort() }))
      )
    })
  })
}

const runErrorText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ minLength: 990, maxLength: 1000 }),
  fc.constant("Source table not found")
)

/**
 * A backfill whose fields are consistent with its status, as SPEC §2 and §4 require: runs
 * counted, times set and error report filled as that status allows. Ranges lie between
 * 1970 and 2099 and are at most `maxDays` days long (default 60).
 *
 * @example
 * ```ts
 * import { FastCheck, Schema } from "effect"
 * import { BackfillFromWire, encodeBackfill } from "transfer-backfills"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * const decodeWire = Schema.decodeSync(BackfillFromWire)
 *
 * // Every generated backfill has a wire form the library reads back
 * FastCheck.assert(
 *   FastCheck.property(Arbitraries.backfill({ maxDays: 10 }), (backfill) => {
 *     const wire = encodeBackfill(backfill)
 *     return decodeWire(wire).id === backfill.id && wire.transfer_runs_total <= 10
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const backfill = (options: { readonly maxDays?: number | undefined } = {}): fc.Arbitrary<Backfill> =>
  fc
    .record({
      id: backfillId,
      transferId,
      range: dateRange({ min: "1970-01-01", max: "2099-12-31", maxDays: options.maxDays ?? 60 }),
      createdTime: timestamp,
      createdUserId: userId,
      removedUserId: userId,
      status: backfillStatus,
      hasStarted: fc.boolean(),
      delays: fc.tuple(fc.nat(86_400), fc.nat(86_400 * 30))
    })
    .chain((generated) =>
      fc
        .tuple(
          fc.constant(generated),
          progress(generated.status, daysOf(generated.range)).chain((runs) =>
            fc.tuple(fc.constant(runs), fc.tuple(...runs.failedDays.map(() => runErrorText)))
          )
        )
        .map(([base, [runs, errors]]): Backfill => {
          const started = hasStarted(base.status) || (base.hasStarted && base.status !== "CREATED")
          const startTime = EpochSeconds.make(base.createdTime + base.delays[0])
          const endTime = EpochSeconds.make(startTime + base.delays[1])
          const ended = hasEnded(base.status)
          const errorReport = runs.failedDays.map((day, index): RunError => ({ day, error: errors[index] ?? "" }))
          return {
            id: base.id,
            transferId: base.transferId,
            range: base.range,
            createdTime: base.createdTime,
            createdUserId: base.createdUserId,
            removal:
              base.status === "CANCELLED" ? Option.some({ time: endTime, userId: base.removedUserId }) : Option.none(),
            startTime: started ? Option.some(startTime) : Option.none(),
            endTime: ended ? Option.some(endTime) : Option.none(),
            status: base.status,
            runs: {
              total: dayCount(base.range),
              created: runs.created,
              completed: runs.completed,
              failed: runs.failedDays.length
            },
            errorReport
          }
        })
    )

/**
 * Tokens' principals: a user in some teams with some of the library's scopes and
 * permissions.
 *
 * @example
 * ```ts
 * import { Either, FastCheck } from "effect"
 * import { authorize } from "transfer-backfills"
 * import * as Arbitraries from "transfer-backfills/testing/arbitraries"
 *
 * // Nobody reads a team they are not a member of
 * FastCheck.assert(
 *   FastCheck.property(
 *     Arbitraries.principal,
 *     Arbitraries.teamId,
 *     (principal, teamId) => principal.teamIds.includes(teamId) || Either.isLeft(authorize(principal, teamId, "read"))
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const principal: fc.Arbitrary<Principal> = fc.record({
  userId,
  teamIds: fc.uniqueArray(teamId, { maxLength: 4 }),
  scopes: fc.subarray(["dwh_transfers_read", "dwh_transfers_write", "other_scope"]),
  permissions: fc.subarray(["dwh.transfer.view", "dwh.transfer.edit", "other.permission"])
})
