/**
 * Listing a team's backfills (SPEC §1 list incomplete). By default the incomplete ones;
 * a page request may name other statuses, final ones included. Newest first, pages of at
 * most 100; each page says where the next one starts.
 */
import { Effect, Option } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { BackfillId } from "../domain/ids.js"
import { ACTIVE_STATUSES, type BackfillStatus } from "../domain/status.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { idAttributes, type ReadError } from "./access.js"
import { type ListingQuery, MAX_PAGE_SIZE, readTeamPage } from "./paging.js"
import { traced } from "./spans.js"

/**
 * Which page: statuses, size and, after the first page, the last backfill of the previous
 * one.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageRequest {
  readonly statuses: ReadonlyArray<BackfillStatus>
  /** 1 to `MAX_PAGE_SIZE`. */
  readonly limit: number
  readonly after: Option.Option<BackfillId>
}

/**
 * The first page of the incomplete backfills (SPEC §1's "incomplete": the active
 * statuses, which a backfill can still leave), as SPEC §1 lists them by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_PAGE: PageRequest = { statuses: ACTIVE_STATUSES, limit: MAX_PAGE_SIZE, after: Option.none() }

/**
 * What `listIncompleteBackfills` needs: the authenticated caller, the team and the page.
 *
 * @since 0.1.0
 * @category models
 */
export type ListBackfills<E = never, R = never> = ListingQuery<PageRequest, E, R>

/**
 * One page of backfills, newest first, and where the next page starts.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackfillPage {
  readonly backfills: ReadonlyArray<Backfill>
  /** The request for the next page; `None` on the last page. */
  readonly next: Option.Option<PageRequest>
}

/**
 * A page of the team's backfills (SPEC §1 list incomplete), newest first. By default the
 * incomplete ones; a page request may name other statuses, final ones included. Pages hold
 * at most `MAX_PAGE_SIZE`; each page says where the next one starts, and backfills created
 * meanwhile never make a page repeat or skip one.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { FIRST_PAGE, listIncompleteBackfills, type Principal, TeamId, UserId } from "transfer-backfills"
 * import { layerMemoryBackfillRepository } from "transfer-backfills/memory"
 *
 * const principal: Principal = {
 *   userId: UserId.make(790n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read"],
 *   permissions: ["dwh.transfer.view"]
 * }
 *
 * // Every incomplete backfill of team 1, page by page.
 * const program = Effect.gen(function* () {
 *   let page = Option.some(FIRST_PAGE)
 *   while (Option.isSome(page)) {
 *     const found = yield* listIncompleteBackfills({ principal, teamId: TeamId.make(1n), page: page.value })
 *     for (const backfill of found.backfills) console.log(backfill.id, backfill.status)
 *     page = found.next
 *   }
 * })
 *
 * Effect.runPromise(Effect.provide(program, layerMemoryBackfillRepository()))
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const listIncompleteBackfills = <E = never, R = never>(
  query: ListBackfills<E, R>
): Effect.Effect<BackfillPage, ReadError | E, BackfillRepository | R> =>
  readTeamPage(
    query,
    (repository, access, page, limit) =>
      repository
        .listForTeam(access, { statuses: page.statuses, before: page.after, limit })
        .pipe(traced("BackfillRepository.listForTeam")),
    (backfill) => backfill.id
  ).pipe(
    Effect.map(({ items, next }) => ({ backfills: items, next })),
    traced("listIncompleteBackfills", idAttributes(query))
  )
