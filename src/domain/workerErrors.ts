/**
 * What can go wrong when a worker drives a backfill, or when its failed days are retried.
 * Workers are trusted callers, so these say exactly what happened; each worker error still
 * maps to one SPEC §5 code (`WORKER_ERROR_CODES`) for hosts that expose worker steps over
 * HTTP or log them by code. The retry's refusals (`NoFailedDays`, `DaysNotFailed`) reach
 * users through `retryBackfill`, which answers them with 422s of its own wording.
 */
import { Schema } from "effect"
import { CalendarDate } from "./calendarDate.js"
import type { ErrorCode } from "./errors.js"
import { BackfillId } from "./ids.js"
import { WorkerId } from "./runs.js"
import type { IllegalTransition } from "./status.js"

/**
 * No backfill has this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownBackfill extends Schema.TaggedError<UnknownBackfill>()("UnknownBackfill", {
  backfillId: BackfillId
}) {}

/**
 * An outcome for a day outside the backfill's range.
 *
 * @since 0.1.0
 * @category errors
 */
export class DayOutsideRange extends Schema.TaggedError<DayOutsideRange>()("DayOutsideRange", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/**
 * An outcome for a day whose run was never created.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunNotMaterialised extends Schema.TaggedError<RunNotMaterialised>()("RunNotMaterialised", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/**
 * An outcome for a day whose run was still pending when the backfill was cancelled.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunDropped extends Schema.TaggedError<RunDropped>()("RunDropped", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/**
 * The lease expired and another worker claimed the backfill, or it was released.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  backfillId: BackfillId,
  workerId: WorkerId
}) {}

/**
 * A retry asked for every failed day of a backfill that has none.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoFailedDays extends Schema.TaggedError<NoFailedDays>()("NoFailedDays", {
  backfillId: BackfillId
}) {}

/**
 * A retry named days that have not failed (they are pending, running, completed, dropped,
 * or not days of the backfill at all), in date order.
 *
 * @since 0.2.0
 * @category errors
 */
export class DaysNotFailed extends Schema.TaggedError<DaysNotFailed>()("DaysNotFailed", {
  backfillId: BackfillId,
  days: Schema.NonEmptyArray(CalendarDate)
}) {}

/**
 * Anything a worker step can be refused with, apart from an unavailable repository.
 *
 * @since 0.1.0
 * @category errors
 */
export type WorkerError =
  | UnknownBackfill
  | DayOutsideRange
  | RunNotMaterialised
  | RunDropped
  | LeaseLost
  | IllegalTransition

/**
 * The SPEC §5 code of each worker error, for hosts that expose worker steps over HTTP or log
 * them by code.
 *
 * @since 0.1.0
 * @category constants
 */
export const WORKER_ERROR_CODES: { readonly [Tag in WorkerError["_tag"]]: ErrorCode } = {
  UnknownBackfill: "NOT_FOUND",
  DayOutsideRange: "UNPROCESSABLE_ENTITY",
  RunNotMaterialised: "UNPROCESSABLE_ENTITY",
  RunDropped: "UNPROCESSABLE_ENTITY",
  IllegalTransition: "UNPROCESSABLE_ENTITY",
  LeaseLost: "CONFLICT_ERROR"
}
