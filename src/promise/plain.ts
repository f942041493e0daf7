/**
 * The values the Promise facade exchanges with a host, in plain JavaScript: ids as
 * decimal strings (a PostgreSQL `bigint` exceeds what a `number` holds exactly; numbers
 * and bigints are accepted too), instants as epoch milliseconds, absent values as `null`.
 * Each plain shape is a Schema over the library's own, so whatever a host's port returns
 * is checked before the library uses it.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import { Backfill, MAX_RUN_ERROR_LENGTH, RunCounters, RunError } from "../domain/backfill.js"
import { CalendarDate } from "../domain/calendarDate.js"
import { makeDateRange } from "../domain/dateRange.js"
import { BackfillId, type IdSchema, TransferId, UserId } from "../domain/ids.js"
import { type DayRun, RunState } from "../domain/runs.js"
import { BackfillStatus } from "../domain/status.js"
import { EpochSeconds } from "../domain/time.js"

/**
 * An id as a host may hold it: a decimal string (what the facade gives), a safe integer
 * `number`, or a `bigint`.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainId = string | number | bigint

const CANONICAL_DECIMAL = /^[1-9][0-9]{0,18}$/

/**
 * Reads any `PlainId` form exactly, never through a lossy `number`; writes the decimal string.
 *
 * @since 0.2.0
 * @category schemas
 */
export const plainId = <Id extends bigint>(id: IdSchema<Id>): Schema.Schema<Id, PlainId> =>
  Schema.compose(
    Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number, Schema.BigIntFromSelf), Schema.BigIntFromSelf, {
      strict: false,
      decode: (value, _, ast) => {
        if (typeof value === "bigint") return ParseResult.succeed(value)
        if (typeof value === "number" && Number.isSafeInteger(value)) return ParseResult.succeed(BigInt(value))
        if (typeof value === "string" && CANONICAL_DECIMAL.test(value)) return ParseResult.succeed(BigInt(value))
        return ParseResult.fail(new ParseResult.Type(ast, value, "must be a decimal string or an exact integer"))
      },
      encode: (value) => ParseResult.succeed(value.toString())
    }),
    id
  )

/** Whole epoch milliseconds; the library keeps instants to the second. */
const InstantMillis = Schema.transform(Schema.Int, EpochSeconds, {
  strict: true,
  decode: (millis) => Math.floor(millis / 1000),
  encode: (seconds) => seconds * 1000
})

/**
 * A backfill as a Promise repository stores it: SPEC §2's fields in camelCase, with the
 * run counters and the cancellation grouped. The library hands ids to a repository as
 * decimal strings and reads back any `PlainId`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainBackfill {
  readonly id: PlainId
  readonly transferId: PlainId
  /** `YYYY-MM-DD`, inclusive. */
  readonly rangeStart: string
  /** `YYYY-MM-DD`, inclusive. */
  readonly rangeEnd: string
  readonly createdTimeMillis: number
  readonly createdUserId: PlainId
  /** Set exactly when the backfill is `CANCELLED`. */
  readonly removal: { readonly timeMillis: number; readonly userId: PlainId } | null
  readonly startTimeMillis: number | null
  readonly endTimeMillis: number | null
  readonly status: BackfillStatus
  readonly runs: {
    readonly total: number
    readonly created: number
    readonly completed: number
    readonly failed: number
  }
  /** One entry per failed day, in date order. */
  readonly errorReport: ReadonlyArray<{ readonly day: string; readonly error: string }>
}

/**
 * A backfill about to be stored: everything but the id the repository assigns.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainUnsavedBackfill = Omit<PlainBackfill, "id">

const PlainBackfillFields = Schema.Struct({
  id: plainId(BackfillId),
  transferId: plainId(TransferId),
  rangeStart: CalendarDate,
  rangeEnd: CalendarDate,
  createdTimeMillis: InstantMillis,
  createdUserId: plainId(UserId),
  removal: Schema.NullOr(Schema.Struct({ timeMillis: InstantMillis, userId: plainId(UserId) })),
  startTimeMillis: Schema.NullOr(InstantMillis),
  endTimeMillis: Schema.NullOr(InstantMillis),
  status: BackfillStatus,
  runs: RunCounters,
  errorReport: Schema.Array(RunError)
})

/**
 * Reads a Promise repository's `PlainBackfill` as the library's `Backfill`, refusing one that
 * breaks an invariant of SPEC §2 or §4 (a start after the end, counters that do not add up),
 * and writes a `Backfill` as the plain form the repository stores: ids as decimal strings,
 * instants as epoch milliseconds, `null` for what is absent. Instants are kept to the
 * second.
 *
 * @since 0.2.0
 * @category schemas
 */
export const BackfillFromPlain: Schema.Schema<Backfill, PlainBackfill> = Schema.transformOrFail(
  PlainBackfillFields,
  Schema.typeSchema(Backfill),
  {
    strict: false,
    decode: (plain, _, ast) =>
      Either.match(makeDateRange(plain.rangeStart, plain.rangeEnd), {
        onLeft: () => ParseResult.fail(new ParseResult.Type(ast, plain, "rangeStart must not be after rangeEnd")),
        onRight: (range) =>
          ParseResult.succeed({
            id: plain.id,
            transferId: plain.transferId,
            range,
            createdTime: plain.createdTimeMillis,
            createdUserId: plain.createdUserId,
            removal: Option.map(Option.fromNullable(plain.removal), ({ timeMillis, userId }) => ({
              time: timeMillis,
              userId
            })),
            startTime: Option.fromNullable(plain.startTimeMillis),
            endTime: Option.fromNullable(plain.endTimeMillis),
            status: plain.status,
            runs: plain.runs,
            errorReport: plain.errorReport
          })
      }),
    encode: (backfill) =>
      ParseResult.succeed({
        id: backfill.id,
        transferId: backfill.transferId,
        rangeStart: backfill.range.start,
        rangeEnd: backfill.range.end,
        createdTimeMillis: backfill.createdTime,
        createdUserId: backfill.createdUserId,
        removal: Option.getOrNull(Option.map(backfill.removal, ({ time, userId }) => ({ timeMillis: time, userId }))),
        startTimeMillis: Option.getOrNull(backfill.startTime),
        endTimeMillis: Option.getOrNull(backfill.endTime),
        status: backfill.status,
        runs: backfill.runs,
        errorReport: backfill.errorReport
      })
  }
)

/**
 * One day's run as a Promise repository keeps it for the ledger (see `DayRun`): instants in
 * epoch milliseconds, `null` for what is absent.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainDayRun {
  /** `YYYY-MM-DD`. */
  readonly day: string
  readonly state: RunState
  /** 1 when the run is created, one more per retry. */
  readonly attempts: number
  readonly startedTimeMillis: number | null
  readonly endedTimeMillis: number | null
  /** The error of a failed run, at most 1000 characters. */
  readonly error: string | null
}

/**
 * Reads a Promise repository's `PlainDayRun` as the library's `DayRun`, and writes one back.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DayRunFromPlain: Schema.Schema<DayRun, PlainDayRun> = Schema.transform(
  Schema.Struct({
    day: CalendarDate,
    state: RunState,
    attempts: Schema.Int.pipe(Schema.positive()),
    startedTimeMillis: Schema.NullOr(InstantMillis),
    endedTimeMillis: Schema.NullOr(InstantMillis),
    error: Schema.NullOr(Schema.String.pipe(Schema.maxLength(MAX_RUN_ERROR_LENGTH)))
  }),
  Schema.Struct({
    day: Schema.typeSchema(CalendarDate),
    state: RunState,
    attempts: Schema.Number,
    startedTime: Schema.OptionFromSelf(Schema.typeSchema(EpochSeconds)),
    endedTime: Schema.OptionFromSelf(Schema.typeSchema(EpochSeconds)),
    error: Schema.OptionFromSelf(Schema.String)
  }),
  {
    strict: true,
    decode: (plain) => ({
      day: plain.day,
      state: plain.state,
      attempts: plain.attempts,
      startedTime: Option.fromNullable(plain.startedTimeMillis),
      endedTime: Option.fromNullable(plain.endedTimeMillis),
      error: Option.fromNullable(plain.error)
    }),
    encode: (run) => ({
      day: run.day,
      state: run.state,
      attempts: run.attempts,
      startedTimeMillis: Option.getOrNull(run.startedTime),
      endedTimeMillis: Option.getOrNull(run.endedTime),
      error: Option.getOrNull(run.error)
    })
  }
)
