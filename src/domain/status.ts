/**
 * The backfill lifecycle (SPEC §4) as one decision: `transition(from, event)`. Every
 * status change anywhere in the library goes through it.
 */
import { Data, Either, Schema } from "effect"

/**
 * The statuses of a backfill's lifecycle (SPEC §4).
 *
 * @since 0.1.0
 * @category schemas
 */
export const BackfillStatus = Schema.Literal("CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED")
/**
 * A backfill's status.
 *
 * @since 0.1.0
 * @category models
 */
export type BackfillStatus = typeof BackfillStatus.Type

/**
 * Every status, in lifecycle order.
 *
 * @since 0.1.0
 * @category constants
 */
export const ALL_STATUSES: ReadonlyArray<BackfillStatus> = BackfillStatus.literals

/**
 * Active backfills hold their range: no other active backfill of the transfer may overlap it.
 * They are also the only ones a user can cancel.
 *
 * @since 0.1.0
 * @category constants
 */
export const ACTIVE_STATUSES = [
  "CREATED",
  "SCHEDULED",
  "RUNNING",
  "FAILED"
] as const satisfies ReadonlyArray<BackfillStatus>
/**
 * A status of an active backfill.
 *
 * @since 0.1.0
 * @category models
 */
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number]

/**
 * Statuses a backfill never leaves.
 *
 * @since 0.1.0
 * @category constants
 */
export const FINAL_STATUSES = ["COMPLETED", "CANCELLED"] as const satisfies ReadonlyArray<BackfillStatus>
/**
 * A status a backfill never leaves.
 *
 * @since 0.1.0
 * @category models
 */
export type FinalStatus = (typeof FINAL_STATUSES)[number]

/**
 * Backfills a worker has something to do for: runs to create, to start or to finish.
 *
 * @since 0.1.0
 * @category constants
 */
export const WITH_WORK_STATUSES = ["CREATED", "SCHEDULED", "RUNNING"] as const satisfies ReadonlyArray<BackfillStatus>

/**
 * Backfills whose first run has started: `start_time` is set.
 *
 * @since 0.1.0
 * @category constants
 */
export const STARTED_STATUSES = ["RUNNING", "COMPLETED", "FAILED"] as const satisfies ReadonlyArray<BackfillStatus>

/**
 * Backfills that have ended, for now or for good: `end_time` is set.
 *
 * @since 0.1.0
 * @category constants
 */
export const ENDED_STATUSES = ["COMPLETED", "FAILED", "CANCELLED"] as const satisfies ReadonlyArray<BackfillStatus>

const isIn =
  <Member extends BackfillStatus>(statuses: ReadonlyArray<Member>) =>
  (status: BackfillStatus): status is Member =>
    (statuses as ReadonlyArray<BackfillStatus>).includes(status)

/**
 * Whether the status is one of `ACTIVE_STATUSES`: the backfill holds its range and can be
 * cancelled.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isActive = isIn(ACTIVE_STATUSES)
/**
 * Whether the status is one of `FINAL_STATUSES`: nothing will change the backfill again.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFinal = isIn(FINAL_STATUSES)
/**
 * Whether the status is one of `WITH_WORK_STATUSES`: a worker has something to do for the
 * backfill.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasWork = isIn(WITH_WORK_STATUSES)
/**
 * Whether the status is one of `STARTED_STATUSES`: `start_time` is set.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasStarted = isIn(STARTED_STATUSES)
/**
 * Whether the status is one of `ENDED_STATUSES`: `end_time` is set.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasEnded = isIn(ENDED_STATUSES)

/**
 * What happens to a backfill after its creation; `transition` decides what each event does
 * in each status.
 *
 * @since 0.1.0
 * @category models
 */
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
/**
 * Constructors of the lifecycle events, e.g. `LifecycleEvent.Cancelled()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const LifecycleEvent = Data.taggedEnum<LifecycleEvent>()

/**
 * Every distinct event, for callers that reason about the whole machine.
 *
 * @since 0.1.0
 * @category constants
 */
export const ALL_EVENTS: ReadonlyArray<LifecycleEvent> = [
  LifecycleEvent.AllRunsCreated(),
  LifecycleEvent.RunStarted(),
  LifecycleEvent.AllRunsFinished({ anyFailed: false }),
  LifecycleEvent.AllRunsFinished({ anyFailed: true }),
  LifecycleEvent.FailedDaysRetried(),
  LifecycleEvent.Cancelled()
]

/**
 * An event that SPEC §4 does not allow in the backfill's status, such as a cancel of a
 * `COMPLETED` backfill.
 *
 * @since 0.1.0
 * @category errors
 */
export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  from: BackfillStatus,
  event: Schema.String
}) {}

type EventTag = LifecycleEvent["_tag"]

/** What an event does in one status: the next status, or `null` when it is refused. */
type Decision<Tag extends EventTag> =
  | ((event: Extract<LifecycleEvent, { readonly _tag: Tag }>) => BackfillStatus)
  | null

/**
 * SPEC §4 as a table over every status and every event: a status or an event added
 * without deciding each of its transitions does not compile.
 */
const TRANSITIONS: { readonly [From in BackfillStatus]: { readonly [Tag in EventTag]: Decision<Tag> } } = {
  CREATED: {
    AllRunsCreated: () => "SCHEDULED",
    RunStarted: null,
    AllRunsFinished: null,
    FailedDaysRetried: null,
    Cancelled: () => "CANCELLED"
  },
  SCHEDULED: {
    AllRunsCreated: null,
    RunStarted: () => "RUNNING",
    AllRunsFinished: null,
    FailedDaysRetried: null,
    Cancelled: () => "CANCELLED"
  },
  RUNNING: {
    AllRunsCreated: null,
    RunStarted: null,
    AllRunsFinished: ({ anyFailed }) => (anyFailed ? "FAILED" : "COMPLETED"),
    FailedDaysRetried: null,
    Cancelled: () => "CANCELLED"
  },
  FAILED: {
    AllRunsCreated: null,
    RunStarted: null,
    AllRunsFinished: null,
    FailedDaysRetried: () => "SCHEDULED",
    Cancelled: () => "CANCELLED"
  },
  COMPLETED: {
    AllRunsCreated: null,
    RunStarted: null,
    AllRunsFinished: null,
    FailedDaysRetried: null,
    Cancelled: null
  },
  CANCELLED: {
    AllRunsCreated: null,
    RunStarted: null,
    AllRunsFinished: null,
    FailedDaysRetried: null,
    Cancelled: null
  }
}

/**
 * The status after `event`, or why the event is not allowed in status `from`. Every status
 * change anywhere in the library goes through it.
 *
 * @example
 * ```ts
 * import { LifecycleEvent, transition } from "transfer-backfills"
 *
 * transition("RUNNING", LifecycleEvent.AllRunsFinished({ anyFailed: true })) // Right("FAILED")
 * transition("COMPLETED", LifecycleEvent.Cancelled()) // Left(IllegalTransition)
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const transition = (
  from: BackfillStatus,
  event: LifecycleEvent
): Either.Either<BackfillStatus, IllegalTransition> => {
  const decide = TRANSITIONS[from][event._tag] as ((event: LifecycleEvent) => BackfillStatus) | null
  return decide === null ? Either.left(new IllegalTransition({ from, event: event._tag })) : Either.right(decide(event))
}

/**
 * Whether some event moves a backfill from `from` to `to`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const canTransition = (from: BackfillStatus, to: BackfillStatus): boolean =>
  ALL_EVENTS.some((event) => Either.getOrUndefined(transition(from, event)) === to)
