/**
 * The listing's query string as a page request: `status` (comma-separated or repeated),
 * `limit` (1–100) and the signed `cursor` of a previous page, which must belong to the
 * same team and status filter. Each problem is a 400 naming the parameter.
 */
import { Effect, Either, Option } from "effect"
import type { CalendarDate } from "../domain/calendarDate.js"
import { BadRequest, excerpt } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"
import type { RunState } from "../domain/runs.js"
import { ACTIVE_STATUSES, ALL_STATUSES, type BackfillStatus } from "../domain/status.js"
import type { RunPageRequest } from "../operations/listBackfillRuns.js"
import type { PageRequest } from "../operations/listIncompleteBackfills.js"
import { MAX_PAGE_SIZE } from "../operations/paging.js"
import { PageCursors } from "./pageCursor.js"
import { type QueryParams, querySingle, queryValues, refuseUnknownQueryParams } from "./request.js"
import { RunStatus, runStateOf } from "./runs.js"

const isStatus = (value: string): value is BackfillStatus => (ALL_STATUSES as ReadonlyArray<string>).includes(value)

const requestedStatuses = (query: QueryParams): Either.Either<ReadonlyArray<BackfillStatus>, BadRequest> => {
  const values = queryValues(query, "status")
  if (values.length === 0) return Either.right(ACTIVE_STATUSES)
  const unknown = values.find((value) => !isStatus(value))
  return unknown === undefined
    ? Either.right(ALL_STATUSES.filter((status) => values.includes(status)))
    : Either.left(
        new BadRequest({
          description: `Query parameter status must name statuses among ${ALL_STATUSES.join(", ")}; got ${excerpt(unknown)}.`
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
  Effect.fail(
    new BadRequest({
      description: ofAnotherListing
        ? "Query parameter cursor belongs to another listing; repeat the first page's status filter."
        : "Query parameter cursor is not a cursor this service issued."
    })
  )

/** Where the requested page starts: after the cursor's backfill, or at the newest. */
const requestedStart = (query: QueryParams, teamId: TeamId, statuses: ReadonlyArray<BackfillStatus>) =>
  Effect.gen(function* () {
    const cursor = yield* querySingle(query, "cursor")
    if (cursor === undefined) return Option.none<BackfillId>()
    const cursors = yield* PageCursors
    const position = yield* cursors.decode(cursor)
    if (Option.isNone(position)) return yield* foreignCursor(Option.isSome(yield* cursors.decodeRuns(cursor)))
    if (position.value.teamId !== teamId || !sameStatuses(position.value.statuses, statuses)) {
      return yield* foreignCursor(true)
    }
    return Option.some(position.value.before)
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
  Effect.gen(function* () {
    yield* refuseUnknownQueryParams(query, ["status", "limit", "cursor"])
    const statuses = yield* requestedStatuses(query)
    const limit = yield* requestedLimit(query)
    const after = yield* requestedStart(query, teamId, statuses)
    return { statuses, limit, after }
  })

const isRunStatus = (value: string): value is RunStatus => (RunStatus.literals as ReadonlyArray<string>).includes(value)

const requestedRunStates = (query: QueryParams): Either.Either<ReadonlyArray<RunState>, BadRequest> => {
  const values = queryValues(query, "status")
  const unknown = values.find((value) => !isRunStatus(value))
  if (unknown !== undefined) {
    return Either.left(
      new BadRequest({
        description: `Query parameter status must name run statuses among ${RunStatus.literals.join(", ")}; got ${excerpt(unknown)}.`
      })
    )
  }
  const statuses =
    values.length === 0 ? RunStatus.literals : RunStatus.literals.filter((status) => values.includes(status))
  return Either.right(statuses.map(runStateOf))
}

/** Where the requested ledger page starts: before the cursor's day, or at the latest. */
const requestedRunStart = (
  query: QueryParams,
  teamId: TeamId,
  backfillId: BackfillId,
  states: ReadonlyArray<RunState>
) =>
  Effect.gen(function* () {
    const cursor = yield* querySingle(query, "cursor")
    if (cursor === undefined) return Option.none<CalendarDate>()
    const cursors = yield* PageCursors
    const position = yield* cursors.decodeRuns(cursor)
    if (Option.isNone(position)) return yield* foreignCursor(Option.isSome(yield* cursors.decode(cursor)))
    const { value } = position
    if (value.teamId !== teamId || value.backfillId !== backfillId || !sameStatuses(value.states, states)) {
      return yield* foreignCursor(true)
    }
    return Option.some(value.before)
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
  Effect.gen(function* () {
    yield* refuseUnknownQueryParams(query, ["status", "limit", "cursor"])
    const states = yield* requestedRunStates(query)
    const limit = yield* requestedLimit(query)
    const after = yield* requestedRunStart(query, teamId, backfillId, states)
    return { states, limit, after }
  })
