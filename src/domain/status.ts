/**
 * The backfill lifecycle (SPEC §4) as one decision: `transition(from, event)`. Every
 * status change anywhere in the library goes through it.
 */
import { Data, Either, Match, Schema } from "effect"

export const BackfillStatus = Schema.Literal("CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED")
export type BackfillStatus = typeof BackfillStatus.Type

export const ALL_STATUSES: ReadonlyArray<BackfillStatus> = BackfillStatus.literals

/** Active backfills hold their range: no other active backfill of the transfer may overlap it. */
export const ACTIVE_STATUSES = [
  "CREATED",
  "SCHEDULED",
  "RUNNING",
  "FAILED"
] as const satisfies ReadonlyArray<BackfillStatus>
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number]

export const FINAL_STATUSES = ["COMPLETED", "CANCELLED"] as const satisfies ReadonlyArray<BackfillStatus>
export type FinalStatus = (typeof FINAL_STATUSES)[number]

export const isActive = (status: BackfillStatus): status is ActiveStatus =>
  (ACTIVE_STATUSES as ReadonlyArray<BackfillStatus>).includes(status)

export const isFinal = (status: BackfillStatus): status is FinalStatus => !isActive(status)

export type LifecycleEvent = Data.TaggedEnum<{
  /** The last of the per-day runs has been materialised. */
  AllRunsCreated: {}
  /** A run of the backfill starts executing. */
  RunStarted: {}
  /** Every run has reported an outcome. */
  AllRunsFinished: { readonly anyFailed: boolean }
  /** The failed days of a failed backfill are queued again. */
  FailedDaysRetried: {}
  /** A user cancels the backfill. */
  Cancelled: {}
}>
export const LifecycleEvent = Data.taggedEnum<LifecycleEvent>()

/** Every distinct event, for callers that reason about the whole machine. */
export const ALL_EVENTS: ReadonlyArray<LifecycleEvent> = [
  LifecycleEvent.AllRunsCreated(),
  LifecycleEvent.RunStarted(),
  LifecycleEvent.AllRunsFinished({ anyFailed: false }),
  LifecycleEvent.AllRunsFinished({ anyFailed: true }),
  LifecycleEvent.FailedDaysRetried(),
  LifecycleEvent.Cancelled()
]

export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  from: BackfillStatus,
  event: Schema.String
}) {}

const nextStatus = (from: BackfillStatus): ((event: LifecycleEvent) => BackfillStatus | undefined) =>
  Match.type<LifecycleEvent>().pipe(
    Match.tagsExhaustive({
      AllRunsCreated: () => (from === "CREATED" ? "SCHEDULED" : undefined),
      RunStarted: () => (from === "SCHEDULED" ? "RUNNING" : undefined),
      AllRunsFinished: ({ anyFailed }) => (from === "RUNNING" ? (anyFailed ? "FAILED" : "COMPLETED") : undefined),
      FailedDaysRetried: () => (from === "FAILED" ? "SCHEDULED" : undefined),
      Cancelled: () => (isActive(from) ? "CANCELLED" : undefined)
    })
  )

/** The status after `event`, or why the event is not allowed in status `from`. */
export const transition = (
  from: BackfillStatus,
  event: LifecycleEvent
): Either.Either<BackfillStatus, IllegalTransition> => {
  const to = nextStatus(from)(event)
  return to === undefined ? Either.left(new IllegalTransition({ from, event: event._tag })) : Either.right(to)
}

/** Whether some event moves a backfill from `from` to `to`. */
export const canTransition = (from: BackfillStatus, to: BackfillStatus): boolean =>
  ALL_EVENTS.some((event) => Either.getOrUndefined(transition(from, event)) === to)
