/**
 * The Backfill entity (SPEC §2) and its wire form. The domain shape groups what belongs
 * together (a range, a removal, the run counters); `BackfillFromWire` is the only place
 * that knows the snake_case JSON, its key order and its nullability.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import { CalendarDate, compareDates } from "./calendarDate.js"
import { containsDay, DateRange, dayCount, makeDateRange } from "./dateRange.js"
import { BackfillId, idFromJson, TransferId, UserId } from "./ids.js"
import { BackfillStatus, hasEnded, hasStarted } from "./status.js"
import { EpochSeconds, EpochSecondsFromString, formatEpochSeconds } from "./time.js"

/**
 * Longest error text kept per failed day; longer messages are truncated on record.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_RUN_ERROR_LENGTH = 1000

/**
 * One entry of a backfill's error report: a failed day and what its run said, at most
 * `MAX_RUN_ERROR_LENGTH` characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunError = Schema.Struct({
  day: CalendarDate,
  error: Schema.String.pipe(Schema.maxLength(MAX_RUN_ERROR_LENGTH))
})
/**
 * A failed day and its error text.
 *
 * @since 0.1.0
 * @category models
 */
export type RunError = typeof RunError.Type

const RunCount = Schema.Int.pipe(Schema.between(0, 2 ** 31 - 1))

/**
 * How far a backfill's runs have come: one run per day in `total`, of which `created` exist
 * so far, and `completed` and `failed` have reported.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunCounters = Schema.Struct({
  total: RunCount,
  created: RunCount,
  completed: RunCount,
  failed: RunCount
})
/**
 * The run counters of a backfill.
 *
 * @since 0.1.0
 * @category models
 */
export type RunCounters = typeof RunCounters.Type

/**
 * A cancellation: when, and by whom.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Removal = Schema.Struct({ time: EpochSeconds, userId: UserId })
/**
 * A cancellation: when, and by whom.
 *
 * @since 0.1.0
 * @category models
 */
export type Removal = typeof Removal.Type

const BackfillFields = Schema.Struct({
  id: BackfillId,
  transferId: TransferId,
  range: DateRange,
  createdTime: EpochSeconds,
  createdUserId: UserId,
  removal: Schema.OptionFromSelf(Removal),
  startTime: Schema.OptionFromSelf(EpochSeconds),
  endTime: Schema.OptionFromSelf(EpochSeconds),
  status: BackfillStatus,
  runs: RunCounters,
  errorReport: Schema.Array(RunError)
})

/**
 * A backfill's fields, id aside, before the invariants are checked: what `inconsistency`
 * judges.
 *
 * @since 0.2.0
 * @category models
 */
export type BackfillState = Omit<typeof BackfillFields.Type, "id">

const errorReportIsOrderedInRange = ({ errorReport, range }: BackfillState): boolean =>
  errorReport.every((entry, index) => {
    const previous = errorReport[index - 1]
    return containsDay(range, entry.day) && (previous === undefined || compareDates(previous.day, entry.day) < 0)
  })

/** SPEC §2 and §4 invariants, each with the sentence that explains a violation. */
const INVARIANTS: ReadonlyArray<readonly [string, (backfill: BackfillState) => boolean]> = [
  ["transfer_runs_total must equal the days in the range", (b) => b.runs.total === dayCount(b.range)],
  ["transfer_runs_created must not exceed transfer_runs_total", (b) => b.runs.created <= b.runs.total],
  [
    "transfer_runs_completed + transfer_runs_failed must not exceed transfer_runs_created",
    (b) => b.runs.completed + b.runs.failed <= b.runs.created
  ],
  ["error_report must have one entry per failed run", (b) => b.errorReport.length === b.runs.failed],
  ["error_report dates must be unique, in date order and inside the range", errorReportIsOrderedInRange],
  [
    "removed_time and removed_user_id are set exactly when the backfill is CANCELLED",
    (b) => Option.isSome(b.removal) === (b.status === "CANCELLED")
  ],
  [
    "end_time is set exactly when the backfill is COMPLETED, FAILED or CANCELLED",
    (b) => Option.isSome(b.endTime) === hasEnded(b.status)
  ],
  ["start_time is set once a run has started", (b) => Option.isSome(b.startTime) || !hasStarted(b.status)],
  [
    "a CREATED backfill has no started runs",
    (b) => b.status !== "CREATED" || (Option.isNone(b.startTime) && b.runs.completed + b.runs.failed === 0)
  ],
  [
    "every run exists once a backfill is SCHEDULED",
    (b) => b.status === "CREATED" || b.status === "CANCELLED" || b.runs.created === b.runs.total
  ],
  [
    "a COMPLETED backfill has every run completed",
    (b) => b.status !== "COMPLETED" || b.runs.completed === b.runs.total
  ],
  [
    "a FAILED backfill has every run finished and some failed",
    (b) => b.status !== "FAILED" || (b.runs.failed > 0 && b.runs.completed + b.runs.failed === b.runs.total)
  ]
]

/**
 * Why a combination of fields cannot describe a real backfill, if it cannot: the sentence
 * of the first SPEC §2 or §4 invariant it breaks, or `undefined` when it is consistent.
 *
 * @since 0.1.0
 * @category utils
 */
export const inconsistency = (backfill: BackfillState): string | undefined =>
  INVARIANTS.find(([, holds]) => !holds(backfill))?.[0]

/**
 * The Backfill entity (SPEC §2): a transfer's range of days to re-process, its status, its
 * run counters and error report. Decoding checks every invariant of SPEC §2 and §4, so a
 * `Backfill` value always describes one a lifecycle could produce.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Backfill = BackfillFields.pipe(
  Schema.filter((backfill) => inconsistency(backfill) ?? true, { identifier: "Backfill" })
)
/**
 * A backfill as the domain sees it.
 *
 * @since 0.1.0
 * @category models
 */
export type Backfill = typeof Backfill.Type

/**
 * A backfill about to be stored: everything but the id the repository assigns.
 *
 * @since 0.1.0
 * @category models
 */
export type UnsavedBackfill = Omit<Backfill, "id">

/**
 * A new backfill as SPEC §3 describes its creation: `CREATED`, nothing run yet. The
 * repository stores it and assigns its id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const newBackfill = (request: {
  readonly transferId: TransferId
  readonly range: DateRange
  readonly createdTime: EpochSeconds
  readonly createdUserId: UserId
}): UnsavedBackfill => ({
  transferId: request.transferId,
  range: request.range,
  createdTime: request.createdTime,
  createdUserId: request.createdUserId,
  removal: Option.none(),
  startTime: Option.none(),
  endTime: Option.none(),
  status: "CREATED",
  runs: { total: dayCount(request.range), created: 0, completed: 0, failed: 0 },
  errorReport: []
})

const RunErrorWire = Schema.Struct({
  transfer_run_date: CalendarDate,
  error: Schema.String.pipe(Schema.maxLength(MAX_RUN_ERROR_LENGTH))
})

/**
 * SPEC §2, field for field and in this order: the snake_case JSON object of a backfill,
 * with int64 ids and RFC 3339 times.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BackfillWire = Schema.Struct({
  transfer_backfill_id: idFromJson(BackfillId),
  transfer_id: idFromJson(TransferId),
  range_start_date: CalendarDate,
  range_end_date: CalendarDate,
  created_time: EpochSecondsFromString,
  created_user_id: idFromJson(UserId),
  removed_time: Schema.optionalWith(EpochSecondsFromString, { exact: true }),
  removed_user_id: Schema.optionalWith(idFromJson(UserId), { exact: true }),
  start_time: Schema.NullOr(EpochSecondsFromString),
  end_time: Schema.NullOr(EpochSecondsFromString),
  status: BackfillStatus,
  transfer_runs_total: RunCount,
  transfer_runs_created: RunCount,
  transfer_runs_completed: RunCount,
  transfer_runs_failed: RunCount,
  error_report: Schema.Array(RunErrorWire)
}).annotations({ identifier: "Backfill" })
/**
 * A backfill as it appears in a response body.
 *
 * @since 0.1.0
 * @category models
 */
export type BackfillWire = typeof BackfillWire.Encoded

const removalFromWire = (wire: typeof BackfillWire.Type): Either.Either<Option.Option<Removal>, string> => {
  const { removed_time: time, removed_user_id: userId } = wire
  if (time === undefined && userId === undefined) return Either.right(Option.none())
  if (time !== undefined && userId !== undefined) return Either.right(Option.some({ time, userId }))
  return Either.left("removed_time and removed_user_id must be present together")
}

const backfillFromWire = (wire: typeof BackfillWire.Type): Either.Either<Backfill, string> =>
  Either.gen(function* () {
    const removal = yield* removalFromWire(wire)
    const range = yield* Either.mapLeft(
      makeDateRange(wire.range_start_date, wire.range_end_date),
      () => "range_start_date must not be after range_end_date"
    )
    return {
      id: wire.transfer_backfill_id,
      transferId: wire.transfer_id,
      range,
      createdTime: wire.created_time,
      createdUserId: wire.created_user_id,
      removal,
      startTime: Option.fromNullable(wire.start_time),
      endTime: Option.fromNullable(wire.end_time),
      status: wire.status,
      runs: {
        total: wire.transfer_runs_total,
        created: wire.transfer_runs_created,
        completed: wire.transfer_runs_completed,
        failed: wire.transfer_runs_failed
      },
      errorReport: wire.error_report.map((entry) => ({ day: entry.transfer_run_date, error: entry.error }))
    }
  })

/**
 * The wire object's fields, in SPEC §2's order, with its times as `time` writes them: as
 * they are for the schema's encoding, as text for a response body.
 */
const wireOf = <Time>(backfill: Backfill, time: (instant: EpochSeconds) => Time) => ({
  transfer_backfill_id: backfill.id,
  transfer_id: backfill.transferId,
  range_start_date: backfill.range.start,
  range_end_date: backfill.range.end,
  created_time: time(backfill.createdTime),
  created_user_id: backfill.createdUserId,
  ...Option.match(backfill.removal, {
    onNone: () => ({}),
    onSome: (removal) => ({ removed_time: time(removal.time), removed_user_id: removal.userId })
  }),
  start_time: Option.match(backfill.startTime, { onNone: () => null, onSome: time }),
  end_time: Option.match(backfill.endTime, { onNone: () => null, onSome: time }),
  status: backfill.status,
  transfer_runs_total: backfill.runs.total,
  transfer_runs_created: backfill.runs.created,
  transfer_runs_completed: backfill.runs.completed,
  transfer_runs_failed: backfill.runs.failed,
  error_report: backfill.errorReport.map((entry) => ({ transfer_run_date: entry.day, error: entry.error }))
})

/**
 * The entity as it travels: `Schema.encode` gives the wire object, `Schema.decode` reads
 * one. The only place that knows the wire's key order and nullability.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BackfillFromWire = Schema.transformOrFail(BackfillWire, Schema.typeSchema(Backfill), {
  strict: true,
  decode: (wire, _, ast) =>
    Either.match(backfillFromWire(wire), {
      onLeft: (reason) => ParseResult.fail(new ParseResult.Type(ast, wire, reason)),
      onRight: (backfill) => ParseResult.succeed(backfill)
    }),
  encode: (backfill) => ParseResult.succeed(wireOf(backfill, (time) => time))
})

/**
 * The wire object of a backfill, for a response body: what encoding with
 * `BackfillFromWire` gives (a property test holds the two equal), written directly, since
 * every read answers with it and a backfill of the library's is valid already.
 *
 * @since 0.1.0
 * @category utils
 */
export const encodeBackfill = (backfill: Backfill): BackfillWire => wireOf(backfill, formatEpochSeconds)
