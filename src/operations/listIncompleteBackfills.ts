/**
 * Listing a team's backfills (SPEC §1 list incomplete). By default the incomplete ones;
 * a page request may name other statuses, final ones included. Newest first, pages of at
 * most 100; each page says where the next one starts.
 */
import { Effect, Option } from "effect"
import type { Principal } from "../domain/access.js"
import type { Backfill } from "../domain/backfill.js"
import type { BadRequest } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES, type BackfillStatus } from "../domain/status.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { idAttributes, requireAccess } from "./access.js"
import type { ReadError } from "./getBackfill.js"

/** SPEC §1's "incomplete": every status a backfill can still leave, the active ones. */
export const INCOMPLETE_STATUSES: ReadonlyArray<BackfillStatus> = ACTIVE_STATUSES

export const MAX_PAGE_SIZE = 100

/** Which page: statuses, size and, after the first page, the last backfill of the previous one. */
export interface PageRequest {
  readonly statuses: ReadonlyArray<BackfillStatus>
  /** 1 to `MAX_PAGE_SIZE`. */
  readonly limit: number
  readonly after: Option.Option<BackfillId>
}

/** The first page of the incomplete backfills, as SPEC §1 lists them by default. */
export const FIRST_PAGE: PageRequest = { statuses: INCOMPLETE_STATUSES, limit: MAX_PAGE_SIZE, after: Option.none() }

export interface ListBackfills<R = never> {
  readonly principal: Principal
  readonly teamId: TeamId
  /**
   * The page. A transport whose request must be read first (query parameters, a signed
   * cursor) passes the reading instead: it runs after the access checks.
   */
  readonly page: PageRequest | Effect.Effect<PageRequest, BadRequest, R>
}

export interface BackfillPage {
  readonly backfills: ReadonlyArray<Backfill>
  /** The request for the next page; `None` on the last page. */
  readonly next: Option.Option<PageRequest>
}

export const listIncompleteBackfills = <R = never>(
  query: ListBackfills<R>
): Effect.Effect<BackfillPage, ReadError | BadRequest, BackfillRepository | R> =>
  Effect.gen(function* () {
    yield* Effect.annotateCurrentSpan(idAttributes(query))
    const access = yield* requireAccess(query.principal, query.teamId, "read")
    const page = Effect.isEffect(query.page) ? yield* query.page : query.page
    const repository = yield* BackfillRepository
    const found = yield* repository
      .listForTeam(access, { statuses: page.statuses, before: page.after, limit: page.limit + 1 })
      .pipe(Effect.withSpan("BackfillRepository.listForTeam"))
    const backfills = found.slice(0, page.limit)
    const last = backfills.at(-1)
    return {
      backfills,
      next:
        found.length <= page.limit || last === undefined
          ? Option.none()
          : Option.some({ ...page, after: Option.some(last.id) })
    }
  }).pipe(Effect.withSpan("listIncompleteBackfills"))
