/**
 * The worker side of a backfill: one run per day, the outcomes workers report, and the
 * leases that give one worker at a time the right to start a backfill's runs.
 */
import { Schema } from "effect"
import { MAX_RUN_ERROR_LENGTH } from "./backfill.js"
import { BackfillId } from "./ids.js"

/**
 * Where one day's run stands. `pending` runs wait for a worker; `running` ones were handed
 * to a worker; `completed` and `failed` ones have reported; `dropped` ones were still
 * pending when the backfill was cancelled and will never run.
 */
export const RunState = Schema.Literal("pending", "running", "completed", "failed", "dropped")
export type RunState = typeof RunState.Type

/** A state in which a run has reported, so a second report of the day changes nothing. */
export const hasReported = (state: RunState): boolean => state === "completed" || state === "failed"

/** What a worker reports for one day. */
export const RunOutcome = Schema.Union(
  Schema.TaggedStruct("Completed", {}),
  Schema.TaggedStruct("Failed", { error: Schema.String })
)
export type RunOutcome = typeof RunOutcome.Type

const [Completed, Failed] = RunOutcome.members

export const completed: RunOutcome = Completed.make({})
export const failed = (error: string): RunOutcome => Failed.make({ error })

/**
 * Error texts are kept to `MAX_RUN_ERROR_LENGTH` UTF-16 units, never cutting a surrogate
 * pair in half.
 */
export const truncateRunError = (error: string): string => {
  if (error.length <= MAX_RUN_ERROR_LENGTH) return error
  const cut = error.slice(0, MAX_RUN_ERROR_LENGTH)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

/** How a worker names itself: printable ASCII, so it is safe in logs and SQL text alike. */
export const WorkerId = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e]{1,128}$/, { identifier: "WorkerId" }),
  Schema.brand("WorkerId")
)
export type WorkerId = typeof WorkerId.Type

/**
 * The right of one worker to start a backfill's runs until `expiresAtMillis`. `fence`
 * grows with every claim of the backfill, so a worker whose lease was taken over can no
 * longer act on it, however late it wakes up.
 */
export const Lease = Schema.Struct({
  backfillId: BackfillId,
  workerId: WorkerId,
  fence: Schema.Int.pipe(Schema.positive()),
  expiresAtMillis: Schema.Int
})
export type Lease = typeof Lease.Type

export const isLeaseLive = (lease: Pick<Lease, "expiresAtMillis">, nowMillis: number): boolean =>
  nowMillis < lease.expiresAtMillis
