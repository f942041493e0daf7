/**
 * Access evidence for tests that call the API's port directly, as an operator of every
 * team would hold it: made by `authorize`, like the operations' own.
 */
import { Effect, Either, type Option } from "effect"
import { authorize, type Principal } from "../../src/domain/access.js"
import type { Removal, UnsavedBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { type BackfillId, TeamId, type TransferId, UserId } from "../../src/domain/ids.js"
import {
  BackfillRepository,
  type PageQuery,
  type RunPageQuery,
  WorkerRepository
} from "../../src/ports/backfillRepository.js"

export const OPERATOR: Principal = {
  userId: UserId.make(789n),
  teamIds: [TeamId.make(1n)],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

/** Write (and so read) access to `teamId` for `principal` (the operator by default), as a member of it. */
export const accessTo = (teamId: bigint, principal: Principal = OPERATOR) =>
  Either.getOrThrow(authorize({ ...principal, teamIds: [TeamId.make(teamId)] }, TeamId.make(teamId), "write"))

/**
 * Both repository ports as one, the API's methods acting for a team as the operator, for
 * tests that drive a store directly rather than through the operations.
 */
export const repositories = Effect.map(Effect.all([BackfillRepository, WorkerRepository]), ([api, worker]) => ({
  ...worker,
  insertUnlessOverlapping: (teamId: TeamId, backfill: UnsavedBackfill) =>
    api.insertUnlessOverlapping(accessTo(teamId), backfill),
  findForTeam: (teamId: TeamId, id: BackfillId) => api.findForTeam(accessTo(teamId), id),
  /** The backfill, if team 1 (where these tests keep their backfills unless they say otherwise) owns it. */
  findById: (id: BackfillId, teamId: bigint = 1n) => api.findForTeam(accessTo(teamId), id),
  latestForTransfer: (transferId: TransferId, teamId: bigint = 1n) =>
    api.latestForTransfer(accessTo(teamId), transferId),
  listForTeam: (teamId: TeamId, query: PageQuery) => api.listForTeam(accessTo(teamId), query),
  cancel: (id: BackfillId, removal: Removal, teamId: bigint = 1n) =>
    api.cancel(accessTo(teamId, { ...OPERATOR, userId: removal.userId }), id, removal.time),
  retry: (id: BackfillId, days: Option.Option<ReadonlyArray<CalendarDate>>, teamId: bigint = 1n) =>
    api.retry(accessTo(teamId), id, days),
  runsOf: (id: BackfillId, query: RunPageQuery, teamId: bigint = 1n) => api.runsOf(accessTo(teamId), id, query)
}))
