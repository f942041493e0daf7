/**
 * What a backfill tells the world as it changes: one event per state change of the
 * backfill or of one of its days, numbered per backfill from 1 without gaps. Which events
 * a change produces is decided here, once, for every store; a store appends them in the
 * same atomic step as the change (the transactional outbox).
 */
import { Schema } from "effect"
import { type Backfill, RunCounters } from "./backfill.js"
import { CalendarDate } from "./calendarDate.js"
import { BackfillId, idFromJson, TeamId, TransferId } from "./ids.js"
import { type RunOutcome, truncateRunError } from "./runs.js"
import { BackfillStatus } from "./status.js"
import { EpochSeconds, EpochSecondsFromString, formatEpochSeconds } from "./time.js"

/**
 * Every kind of event, by what changed: the backfill's status (or its failed days, for
 * `backfill.retried`), or one day's run.
 *
 * @since 0.3.0
 * @category schemas
 */
export const BackfillEventType = Schema.Literal(
  "backfill.created",
  "backfill.scheduled",
  "backfill.running",
  "backfill.completed",
  "backfill.failed",
  "backfill.cancelled",
  "backfill.retried",
  "day.started",
  "day.completed",
  "day.failed"
)
/**
 * A kind of event.
 *
 * @since 0.3.0
 * @category models
 */
export type BackfillEventType = typeof BackfillEventType.Type

/**
 * What one event says, apart from which backfill and when: its kind, the backfill's
 * status and counters right after the change, the day of a day's event (with the error of
 * a failed one) and the days a retry queued again. JSON as it is: stores keep it so.
 *
 * @since 0.3.0
 * @category schemas
 */
export const EventDetails = Schema.Struct({
  type: BackfillEventType,
  status: BackfillStatus,
  runs: RunCounters,
  day: Schema.optionalWith(CalendarDate, { exact: true }),
  error: Schema.optionalWith(Schema.String, { exact: true }),
  retriedDays: Schema.optionalWith(Schema.Array(CalendarDate), { exact: true })
})
/**
 * What one event says.
 *
 * @since 0.3.0
 * @category models
 */
export type EventDetails = typeof EventDetails.Type

/**
 * One event of the outbox: what it says, about which backfill, its place in that
 * backfill's sequence (1, 2, 3, … without gaps) and when the change was made.
 *
 * @since 0.3.0
 * @category schemas
 */
export const BackfillEvent = Schema.Struct({
  ...EventDetails.fields,
  backfillId: BackfillId,
  teamId: TeamId,
  transferId: TransferId,
  sequence: Schema.Int.pipe(Schema.positive()),
  time: EpochSeconds
})
/**
 * One event of the outbox.
 *
 * @since 0.3.0
 * @category models
 */
export type BackfillEvent = typeof BackfillEvent.Type

/**
 * An event's id, the same on every delivery of it: what a consumer or a broker
 * deduplicates by (`<transfer_backfill_id>-<sequence>`).
 *
 * @since 0.3.0
 * @category utils
 */
export const eventId = (event: Pick<BackfillEvent, "backfillId" | "sequence">): string =>
  `${event.backfillId}-${event.sequence}`

/**
 * An event as it travels (webhook bodies, NATS messages, Server-Sent Events): snake_case,
 * with the entity's names for what it shares with it, int64 ids and an RFC 3339 time.
 * docs/events.md holds its JSON Schema, generated from this one.
 *
 * @since 0.3.0
 * @category schemas
 */
export const BackfillEventWire = Schema.Struct({
  event_id: Schema.String.annotations({
    description: "<transfer_backfill_id>-<sequence>: the same on every delivery of the event, to deduplicate by"
  }),
  type: BackfillEventType.annotations({ description: "What changed: the backfill's status, or one day's run" }),
  sequence: Schema.Int.pipe(Schema.positive()).annotations({
    description: "The event's place among its backfill's events: 1, 2, 3, … without gaps"
  }),
  time: EpochSecondsFromString.annotations({ description: "When the change was made (RFC 3339, UTC, seconds)" }),
  transfer_backfill_id: idFromJson(BackfillId),
  transfer_id: idFromJson(TransferId),
  team_id: idFromJson(TeamId),
  status: BackfillStatus.annotations({ description: "The backfill's status right after the change" }),
  transfer_runs_total: Schema.Int,
  transfer_runs_completed: Schema.Int,
  transfer_runs_failed: Schema.Int,
  transfer_run_date: Schema.optionalWith(CalendarDate, { exact: true }).annotations({
    description: "The day of a day.* event"
  }),
  error: Schema.optionalWith(Schema.String, { exact: true }).annotations({
    description: "What a day.failed day's run said, as the error report keeps it"
  }),
  retried_dates: Schema.optionalWith(Schema.Array(CalendarDate), { exact: true }).annotations({
    description: "The days a backfill.retried event queued again"
  })
}).annotations({ identifier: "BackfillEvent", title: "A backfill's event" })
/**
 * An event as it travels.
 *
 * @since 0.3.0
 * @category models
 */
export type BackfillEventWire = typeof BackfillEventWire.Encoded

/**
 * The wire object of an event, with its time as RFC 3339 text: what every sink sends.
 *
 * @since 0.3.0
 * @category utils
 */
export const encodeEvent = (event: BackfillEvent): BackfillEventWire => ({
  event_id: eventId(event),
  type: event.type,
  sequence: event.sequence,
  time: formatEpochSeconds(event.time),
  transfer_backfill_id: event.backfillId,
  transfer_id: event.transferId,
  team_id: event.teamId,
  status: event.status,
  transfer_runs_total: event.runs.total,
  transfer_runs_completed: event.runs.completed,
  transfer_runs_failed: event.runs.failed,
  ...(event.day === undefined ? {} : { transfer_run_date: event.day }),
  ...(event.error === undefined ? {} : { error: event.error }),
  ...(event.retriedDays === undefined ? {} : { retried_dates: event.retriedDays })
})

/**
 * What happened to one day's run in a change, if anything: handed to a worker, or
 * reported (a failure with its error, as the error report keeps it).
 *
 * @since 0.3.0
 * @category models
 */
export type DayChange =
  | { readonly _tag: "Started"; readonly day: CalendarDate }
  | { readonly _tag: "Completed"; readonly day: CalendarDate }
  | { readonly _tag: "Failed"; readonly day: CalendarDate; readonly error: string }

/**
 * A change as its events tell it: what happened to a day or which days a retry queued
 * again, if anything, and when the change was made.
 *
 * @since 0.3.0
 * @category models
 */
export interface ChangeMade {
  readonly time: EpochSeconds
  readonly day?: DayChange
  readonly retriedDays?: ReadonlyArray<CalendarDate>
}

/**
 * A day's report as its event tells it: a failure with its error as the error report
 * keeps it (`truncateRunError`).
 *
 * @since 0.3.0
 * @category utils
 */
export const reportedDay = (day: CalendarDate, outcome: RunOutcome): DayChange =>
  outcome._tag === "Completed"
    ? { _tag: "Completed", day }
    : { _tag: "Failed", day, error: truncateRunError(outcome.error) }

const DAY_EVENT = { Started: "day.started", Completed: "day.completed", Failed: "day.failed" } as const

const ENDED_EVENT = {
  COMPLETED: "backfill.completed",
  FAILED: "backfill.failed",
  CANCELLED: "backfill.cancelled"
} as const satisfies Partial<Record<BackfillStatus, BackfillEventType>>

/**
 * The events of one change of a backfill, in the order they happened: from `before`
 * (`undefined` for a new backfill) to `after`, with what happened to a day, if anything,
 * and the days a retry queued again, if it was one. A change that moved nothing a
 * consumer can see (a day's report counted twice, a materialisation that created runs but
 * left the backfill `CREATED`) has none.
 *
 * @since 0.3.0
 * @category utils
 */
export const changeEvents = (
  before: Pick<Backfill, "status" | "runs"> | undefined,
  after: Pick<Backfill, "status" | "runs">,
  change: Omit<ChangeMade, "time"> = {}
): ReadonlyArray<EventDetails> => {
  const details = (type: BackfillEventType, extra: Partial<EventDetails> = {}): EventDetails => ({
    type,
    status: after.status,
    runs: after.runs,
    ...extra
  })
  if (before === undefined) return [details("backfill.created")]
  if (change.retriedDays !== undefined) return [details("backfill.retried", { retriedDays: change.retriedDays })]
  const events: Array<EventDetails> = []
  const moved = before.status !== after.status
  // A day reported while its backfill was still SCHEDULED starts the backfill as a run would.
  const finishedByRuns = after.status === "COMPLETED" || after.status === "FAILED"
  if (moved && before.status !== "RUNNING" && (after.status === "RUNNING" || finishedByRuns))
    events.push(details("backfill.running", { status: "RUNNING" }))
  if (moved && before.status === "CREATED" && after.status === "SCHEDULED") events.push(details("backfill.scheduled"))
  if (change.day !== undefined)
    events.push(
      details(DAY_EVENT[change.day._tag], {
        day: change.day.day,
        ...(change.day._tag === "Failed" ? { error: change.day.error } : {})
      })
    )
  if (moved && after.status in ENDED_EVENT) events.push(details(ENDED_EVENT[after.status as keyof typeof ENDED_EVENT]))
  return events
}
