/**
 * What can go wrong when a worker drives a backfill. Workers are trusted callers, so these
 * say exactly what happened; each still maps to one SPEC §5 code for hosts that expose
 * worker steps over HTTP or log them by code.
 */
import { Schema } from "effect"
import { CalendarDate } from "./calendarDate.js"
import type { ErrorCode } from "./errors.js"
import { BackfillId } from "./ids.js"
import { WorkerId } from "./runs.js"
import type { IllegalTransition } from "./status.js"

export class UnknownBackfill extends Schema.TaggedError<UnknownBackfill>()("UnknownBackfill", {
  backfillId: BackfillId
}) {}

export class DayOutsideRange extends Schema.TaggedError<DayOutsideRange>()("DayOutsideRange", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/** An outcome for a day whose run was never created. */
export class RunNotMaterialised extends Schema.TaggedError<RunNotMaterialised>()("RunNotMaterialised", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/** An outcome for a day whose run was still pending when the backfill was cancelled. */
export class RunDropped extends Schema.TaggedError<RunDropped>()("RunDropped", {
  backfillId: BackfillId,
  day: CalendarDate
}) {}

/** The lease expired and another worker claimed the backfill, or it was released. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  backfillId: BackfillId,
  workerId: WorkerId
}) {}

export type WorkerError =
  | UnknownBackfill
  | DayOutsideRange
  | RunNotMaterialised
  | RunDropped
  | LeaseLost
  | IllegalTransition

export const WORKER_ERROR_CODES: { readonly [Tag in WorkerError["_tag"]]: ErrorCode } = {
  UnknownBackfill: "NOT_FOUND",
  DayOutsideRange: "UNPROCESSABLE_ENTITY",
  RunNotMaterialised: "UNPROCESSABLE_ENTITY",
  RunDropped: "UNPROCESSABLE_ENTITY",
  IllegalTransition: "UNPROCESSABLE_ENTITY",
  LeaseLost: "CONFLICT_ERROR"
}
