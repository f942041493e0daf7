/**
 * The listing's query string as a page request: `status` (comma-separated or repeated),
 * `limit` (1–100) and the signed `cursor` of a previous page, which must belong to the
 * same team and status filter. Each problem is a 400 naming the parameter.
 */
import { Effect, Either, Option } from "effect"
import { BadRequest, excerpt } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES, ALL_STATUSES } from "../domain/status.js"
import type { RunPageRequest } from "../operations/listBackfillRuns.js"
import type { PageRequest } from "../operations/listIncompleteBackfills.js"
import { MAX_PAGE_SIZE } from "../operations/paging.js"
import { PageCursors } from "./pageCursor.js"
import { type QueryParams, querySingle, queryValues, refuseUnknownQueryParams } from "./request.js"
import { RunStatus, runStateOf } from "./runs.js"

/** What sets one listing's query apart from the other's: its statuses, and its cursors. */
interface ListingVocabulary<Status extends string, Position, Key> {
  /** What the filter names, for its 400: "statuses" or "run statuses". */
  readonly statusNoun: string
  /** Every status the filter may name, in the order a filter lists them. */
  readonly statuses: ReadonlyArray<Status>
  /** The filter when the query names none. */
  readonly byDefault: ReadonlyArray<Status>
  /** The position a cursor of this listing names, if this host signed it for this listing. */
  readonly position: (cursors: PageCursors["Type"], cursor: string) => Effect.Effect<Option.Option<Position>>
  /** Whether a cursor this listing cannot read is the other listing's. */
  readonly ofAnotherListing: (cursors: PageCursors["Type"], cursor: string) => Effect.Effect<boolean>
  /** Whether the position was read with the same team, backfill and filter as this request. */
  readonly continues: (position: Position, statuses: ReadonlyArray<Status>) => boolean
  /** Where the next page starts: before the position's last item. */
  readonly before: (position: Position) => Key
}

const requestedStatuses = <Status extends string>(
  query: QueryParams,
  vocabulary: Pick<ListingVocabulary<Status, unknown, unknown>, "statusNoun" | "statuses" | "byDefault">
): Either.Either<ReadonlyArray<Status>, BadRequest> => {
  const values = queryValues(query, "status")
  if (values.length === 0) return Either.right(vocabulary.byDefault)
  const unknown = values.find((value) => !(vocabulary.statuses as ReadonlyArray<string>).includes(value))
  return unknown === undefined
    ? Either.right(vocabulary.statuses.filter((status) => values.includes(status)))
    : Either.left(
        new BadRequest({
          description: `Query parameter status must name ${vocabulary.statusNoun} among ${vocabulary.statuses.join(", ")}; got ${excerpt(unknown)}.`
        })
      )
}

const requestedLimit = (query: QueryParams): Either.Either<number, BadRequest> =>
  Either.flatMap(querySingle(query, "limit"), (raw) => {
    if (raw === undefined) return Either.right(MAX_PAGE_SIZE)
    const limit = /^[1-9][0-9]{0,2}$/.test(raw) ? Number(raw) : 0
    return limit >= 1 && limit <= MAX_PAGE_SIZE
      ? Either.right(limit)
      : Either.left(
          new BadRequest({
            description: `Query parameter limit must be an integer between 1 and ${MAX_PAGE_SIZE}; got ${excerpt(raw)}.`
          })
        )
  })

const sameStatuses = <Status extends string>(a: ReadonlyArray<Status>, b: ReadonlyArray<Status>) =>
  a.length === b.length && a.every((status, index) => b[index] === status)

/** A cursor this listing cannot read: another listing's (`ofAnotherListing`), or none this service issued. */
const foreignCursor = (ofAnotherListing: boolean) =>
  new BadRequest({
    description: ofAnotherListing
      ? "Query parameter cursor belongs to another listing; repeat the first page's status filter."
      : "Query parameter cursor is not a cursor this service issued."
  })

/**
 * The page a listing's query asks for, read in order: unknown parameters, `status`,
 * `limit`, `cursor`. Each problem is a 400 naming the parameter; a cursor must be one
 * this host signed for the same listing and filter.
 */
const requestedListingPage = <Status extends string, Position, Key>(
  query: QueryParams,
  vocabulary: ListingVocabulary<Status, Position, Key>
) =>
  Effect.gen(function* () {
    yield* refuseUnknownQueryParams(query, ["status", "limit", "cursor"])
    const statuses = yield* requestedStatuses(query, vocabulary)
    const limit = yield* requestedLimit(query)
    const cursor = yield* querySingle(query, "cursor")
    if (cursor === undefined) return { statuses, limit, after: Option.none<Key>() }
    const cursors = yield* PageCursors
    const position = yield* vocabulary.position(cursors, cursor)
    if (Option.isNone(position)) return yield* foreignCursor(yield* vocabulary.ofAnotherListing(cursors, cursor))
    if (!vocabulary.continues(position.value, statuses)) return yield* foreignCursor(true)
    return { statuses, limit, after: Option.some(vocabulary.before(position.value)) }
  })

/**
 * The page the listing's query asks for, read in order: unknown parameters, `status`,
 * `limit`, `cursor`. Each problem is a 400 naming the parameter; a cursor must be one this
 * host signed, for the same team and status filter.
 *
 * @since 0.1.0
 * @category cursors
 */
export const requestedPage = (
  query: QueryParams,
  teamId: TeamId
): Effect.Effect<PageRequest, BadRequest, PageCursors> =>
  requestedListingPage(query, {
    statusNoun: "statuses",
    statuses: ALL_STATUSES,
    byDefault: ACTIVE_STATUSES,
    position: (cursors, cursor) => cursors.decode(cursor),
    ofAnotherListing: (cursors, cursor) => Effect.map(cursors.decodeRuns(cursor), Option.isSome),
    continues: (position, statuses) => position.teamId === teamId && sameStatuses(position.statuses, statuses),
    before: (position) => position.before
  })

/**
 * The ledger page a query asks for (`status`, comma-separated or repeated, among the run
 * statuses, every run by default; `limit`, 1 to 100; `cursor`), or a 400 naming the
 * parameter. A cursor is accepted only for the ledger and filter it was issued for.
 *
 * @since 0.2.0
 * @category cursors
 */
export const requestedRunPage = (
  query: QueryParams,
  teamId: TeamId,
  backfillId: BackfillId
): Effect.Effect<RunPageRequest, BadRequest, PageCursors> =>
  Effect.map(
    requestedListingPage(query, {
      statusNoun: "run statuses",
      statuses: RunStatus.literals,
      byDefault: RunStatus.literals,
      position: (cursors, cursor) => cursors.decodeRuns(cursor),
      ofAnotherListing: (cursors, cursor) => Effect.map(cursors.decode(cursor), Option.isSome),
      continues: (position, statuses) =>
        position.teamId === teamId &&
        position.backfillId === backfillId &&
        sameStatuses(position.states, statuses.map(runStateOf)),
      before: (position) => position.before
    }),
    ({ statuses, limit, after }) => ({ states: statuses.map(runStateOf), limit, after })
  )
