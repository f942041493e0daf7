/** Reading a backfill's ledger: one entry per day's run (beyond the seed). */
import { Effect, Option } from "effect"
import type { CalendarDate } from "../domain/calendarDate.js"
import type { BackfillId } from "../domain/ids.js"
import { type DayRun, RunState } from "../domain/runs.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { findTeamBackfill, idAttributes, type ReadError } from "./access.js"
import { type ListingQuery, MAX_PAGE_SIZE, readTeamPage } from "./paging.js"
import { traced } from "./spans.js"

/**
 * Which page of a ledger to read: the run states it shows, its size, and the day it
 * starts before (the last day of the previous page).
 *
 * @since 0.2.0
 * @category models
 */
export interface RunPageRequest {
  readonly states: ReadonlyArray<RunState>
  /** 1 to `MAX_PAGE_SIZE`. */
  readonly limit: number
  readonly after: Option.Option<CalendarDate>
}

/**
 * The first page of a whole ledger: runs in every state, `MAX_PAGE_SIZE` of them.
 *
 * @since 0.2.0
 * @category constants
 */
export const FIRST_RUN_PAGE: RunPageRequest = { states: RunState.literals, limit: MAX_PAGE_SIZE, after: Option.none() }

/**
 * A user's request for a page of one of the team's backfills' ledger; the page is read
 * after the backfill is found.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListBackfillRuns<E = never, R = never> extends ListingQuery<RunPageRequest, E, R> {
  readonly backfillId: BackfillId
}

/**
 * One page of a ledger, in processing order (latest day first), and the request for the
 * next page (`None` on the last).
 *
 * @since 0.2.0
 * @category models
 */
export interface RunPage {
  readonly runs: ReadonlyArray<DayRun>
  readonly next: Option.Option<RunPageRequest>
}

/**
 * A page of the ledger of one of the team's backfills: one entry per run it has (the
 * `transfer_runs_created` of the backfill), latest day first, which is the order workers
 * take them in. Its counts are the backfill's counters: as many completed and failed
 * entries as `transfer_runs_completed` and `transfer_runs_failed`, and the failed entries'
 * errors are the `error_report`. Needs read scope and view permission.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { BackfillId, FIRST_RUN_PAGE, listBackfillRuns, type Principal, TeamId } from "transfer-backfills"
 *
 * declare const principal: Principal
 *
 * const failedDays = listBackfillRuns({
 *   principal,
 *   teamId: TeamId.make(1n),
 *   backfillId: BackfillId.make(42n),
 *   page: { ...FIRST_RUN_PAGE, states: ["failed"] }
 * }).pipe(Effect.map(({ runs }) => runs.map((run) => `${run.day}: ${Option.getOrElse(run.error, () => "")}`)))
 * ```
 *
 * @since 0.2.0
 * @category operations
 */
export const listBackfillRuns = <E = never, R = never>(
  query: ListBackfillRuns<E, R>
): Effect.Effect<RunPage, ReadError | E, BackfillRepository | R> =>
  readTeamPage(
    query,
    (repository, access, page, limit) =>
      repository
        .runsOf(access, query.backfillId, { states: page.states, before: page.after, limit })
        .pipe(traced("BackfillRepository.runsOf")),
    (run) => run.day,
    (access) => findTeamBackfill(access, query.backfillId)
  ).pipe(
    Effect.map(({ items, next }) => ({ runs: items, next })),
    traced("listBackfillRuns", idAttributes(query))
  )
