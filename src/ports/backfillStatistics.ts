/**
 * The counts an operator watches (`recordBackfillGauges` turns them into gauges): how many
 * backfills have work, by status, and how many of their days wait or run. Its own port,
 * beside the repository, so a repository of a host's own needs no change; the library's
 * adapters provide it from the same store.
 */
import { Context, type Effect } from "effect"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { WITH_WORK_STATUSES } from "../domain/status.js"

/**
 * What the store holds now: backfills with work by status, their days not yet started,
 * and their days running (live leases: a lease holds its backfill's one running day).
 *
 * @since 0.3.0
 * @category models
 */
export interface BackfillCounts {
  readonly withWork: Readonly<Record<(typeof WITH_WORK_STATUSES)[number], number>>
  readonly pendingDays: number
  readonly runningDays: number
}

/**
 * Reads `BackfillCounts` across every team, for gauges: one cheap read, never a scan of
 * ended backfills.
 *
 * @since 0.3.0
 * @category services
 */
export class BackfillStatistics extends Context.Tag("transfer-backfills/BackfillStatistics")<
  BackfillStatistics,
  { readonly counts: Effect.Effect<BackfillCounts, ServiceUnavailable> }
>() {}
