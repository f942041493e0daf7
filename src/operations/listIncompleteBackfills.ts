/**
 * Listing a team's backfills: `GET /teams/{team_id}/backfills`. By default the incomplete
 * ones (SPEC §1); `status` may name others, final ones included. Newest first, pages of
 * at most 100, with a signed cursor for the next page.
 */
import { Effect, Either, Option } from "effect"
import type { Backfill } from "../domain/backfill.js"
import { BadRequest, excerpt } from "../domain/errors.js"
import { type BackfillId, TeamId } from "../domain/ids.js"
import { ACTIVE_STATUSES, ALL_STATUSES, type BackfillStatus } from "../domain/status.js"
import { PageCursors } from "../http/pageCursor.js"
import {
  type PathParams,
  type QueryParams,
  querySingle,
  queryValues,
  refuseUnknownQueryParams
} from "../http/request.js"
import type { Authenticator } from "../ports/authenticator.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import type { ReadError } from "./getBackfill.js"
import { authenticate, pathId, requireAccess } from "./guards.js"

/** SPEC §1's "incomplete": every status a backfill can still leave, the active ones. */
export const INCOMPLETE_STATUSES: ReadonlyArray<BackfillStatus> = ACTIVE_STATUSES

export const MAX_PAGE_SIZE = 100

export interface ListBackfillsRequest {
  readonly authorization: string | undefined
  /** `team_id`. */
  readonly path: PathParams
  /** Optional `status` (comma-separated or repeated), `limit` (1–100) and `cursor`. */
  readonly query: QueryParams
}

export interface BackfillPage {
  readonly backfills: ReadonlyArray<Backfill>
  /** Where the next page starts; `None` on the last page. */
  readonly nextCursor: Option.Option<string>
}

const isStatus = (value: string): value is BackfillStatus => (ALL_STATUSES as ReadonlyArray<string>).includes(value)

const requestedStatuses = (query: QueryParams): Either.Either<ReadonlyArray<BackfillStatus>, BadRequest> => {
  const values = queryValues(query, "status")
  if (values.length === 0) return Either.right(INCOMPLETE_STATUSES)
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

const sameStatuses = (a: ReadonlyArray<BackfillStatus>, b: ReadonlyArray<BackfillStatus>) =>
  a.length === b.length && a.every((status, index) => b[index] === status)

/** Where the requested page starts: after the cursor's backfill, or at the newest. */
const requestedStart = (query: QueryParams, teamId: TeamId, statuses: ReadonlyArray<BackfillStatus>) =>
  Effect.gen(function* () {
    const cursor = yield* querySingle(query, "cursor")
    if (cursor === undefined) return Option.none<BackfillId>()
    const cursors = yield* PageCursors
    const position = yield* cursors.decode(cursor)
    if (Option.isNone(position)) {
      return yield* new BadRequest({ description: "Query parameter cursor is not a cursor this service issued." })
    }
    if (position.value.teamId !== teamId || !sameStatuses(position.value.statuses, statuses)) {
      return yield* new BadRequest({
        description: "Query parameter cursor belongs to another listing; repeat the first page's status filter."
      })
    }
    return Option.some(position.value.before)
  })

export const listIncompleteBackfills = (
  request: ListBackfillsRequest
): Effect.Effect<BackfillPage, ReadError, Authenticator | BackfillRepository | PageCursors> =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const teamId = yield* pathId(request.path, "team_id", TeamId)
    yield* requireAccess(principal, teamId, "read")
    yield* refuseUnknownQueryParams(request.query, ["status", "limit", "cursor"])
    const statuses = yield* requestedStatuses(request.query)
    const limit = yield* requestedLimit(request.query)
    const before = yield* requestedStart(request.query, teamId, statuses)
    const repository = yield* BackfillRepository
    const found = yield* repository.listForTeam(teamId, { statuses, before, limit: limit + 1 })
    const backfills = found.slice(0, limit)
    const last = backfills.at(-1)
    if (found.length <= limit || last === undefined) return { backfills, nextCursor: Option.none() }
    const cursors = yield* PageCursors
    const nextCursor = yield* cursors.encode({ teamId, statuses, before: last.id })
    return { backfills, nextCursor: Option.some(nextCursor) }
  })
