/**
 * A backfill's ledger on the wire: one entry per day's run, snake_case, days as
 * `YYYY-MM-DD`, instants as SPEC §2's RFC 3339 strings, and the run states as a caller
 * reads them (a run dropped by a cancel is `cancelled`).
 */
import { Option, Schema } from "effect"
import { MAX_RUN_ERROR_LENGTH } from "../domain/backfill.js"
import { CalendarDate } from "../domain/calendarDate.js"
import type { DayRun, RunState } from "../domain/runs.js"
import { formatEpochSeconds } from "../domain/time.js"

/**
 * Where a day's run stands, as the ledger shows it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RunStatus = Schema.Literal("pending", "running", "completed", "failed", "cancelled")
/**
 * Where a day's run stands, as the ledger shows it.
 *
 * @since 0.2.0
 * @category models
 */
export type RunStatus = typeof RunStatus.Type

const STATUS_OF_STATE: { readonly [State in RunState]: RunStatus } = {
  pending: "pending",
  running: "running",
  completed: "completed",
  failed: "failed",
  dropped: "cancelled"
}

/**
 * The run state a ledger status names.
 *
 * @since 0.2.0
 * @category utils
 */
export const runStateOf = (status: RunStatus): RunState => (status === "cancelled" ? "dropped" : status)

const Instant = Schema.NullOr(Schema.String.annotations({ format: "date-time", examples: ["2024-02-01T09:00:00Z"] }))

/**
 * One entry of the ledger's `data`, as the OpenAPI document describes it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DayRunWire = Schema.Struct({
  transfer_run_date: CalendarDate,
  status: RunStatus,
  attempts: Schema.Int.pipe(Schema.positive()).annotations({
    description: "How many times the day has been queued: 1 when its run is created, one more per retry"
  }),
  started_time: Instant.annotations({ description: "When the current attempt was handed to a worker" }),
  ended_time: Instant.annotations({ description: "When the current attempt reported, or the cancel that dropped it" }),
  error: Schema.NullOr(Schema.String.pipe(Schema.maxLength(MAX_RUN_ERROR_LENGTH))).annotations({
    description: "The error of a failed run"
  })
}).annotations({ identifier: "BackfillRun" })
/**
 * One entry of the ledger on the wire.
 *
 * @since 0.2.0
 * @category models
 */
export type DayRunWire = typeof DayRunWire.Encoded

const instant = (time: Option.Option<number>): string | null => Option.getOrNull(Option.map(time, formatEpochSeconds))

/**
 * The wire form of one day's run.
 *
 * @since 0.2.0
 * @category encoding
 */
export const encodeDayRun = (run: DayRun): DayRunWire => ({
  transfer_run_date: run.day,
  status: STATUS_OF_STATE[run.state],
  attempts: run.attempts,
  started_time: instant(run.startedTime),
  ended_time: instant(run.endedTime),
  error: Option.getOrNull(run.error)
})
