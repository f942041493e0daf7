import { Either, Option } from "effect"
import { authorize, type Principal } from "../../domain/access.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { type DateRange, makeDateRange } from "../../domain/dateRange.js"
import { IdempotencyKey, type IdempotentRequest } from "../../domain/idempotency.js"
import { TeamId, TransferId, UserId } from "../../domain/ids.js"
import { RunState, WorkerId } from "../../domain/runs.js"
import { epochSecondsFromMillis } from "../../domain/time.js"
import type { RunPageQuery } from "../../ports/backfillRepository.js"

export const TEAM = TeamId.make(1n)
export const OTHER_TEAM = TeamId.make(2n)
export const TRANSFER = TransferId.make(10n)
export const OTHER_TRANSFER = TransferId.make(11n)
export const USER = UserId.make(789n)
/** 2024-02-01T09:00:00Z */
export const T0 = 1706778000000
export const LEASE_MS = 30_000

export const range = (start: string, end: string): DateRange =>
  Either.getOrThrow(makeDateRange(start as CalendarDate, end as CalendarDate))

export const day = (text: string) => text as CalendarDate

/** `count` ranges of one to four days in January 2024, most overlapping others: inserts that race. */
export const overlappingJanuaryRanges = (count: number): ReadonlyArray<readonly [string, string]> =>
  Array.from({ length: count }, (_, index) => {
    const start = 1 + ((index * 7) % 25)
    const end = Math.min(28, start + (index % 4))
    const pad = (n: number) => String(n).padStart(2, "0")
    return [`2024-01-${pad(start)}`, `2024-01-${pad(end)}`] as const
  })

export const worker = (name: string) => WorkerId.make(name)

/** A caller of every team the suite uses, allowed to write: the evidence the API port asks for. */
export const OPERATOR: Principal = {
  userId: USER,
  teamIds: [TEAM, OTHER_TEAM, TeamId.make(3n)],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

export const accessTo = (teamId: TeamId, principal: Principal = OPERATOR) =>
  Either.getOrThrow(authorize(principal, teamId, "write"))

/** A key's request as an operation would pass it: `fingerprint` names the request, the key holds for a day from `nowMillis`. */
export const keyed = (
  key: string,
  fingerprint: string,
  nowMillis = T0,
  lifetimeMillis = 86_400_000
): IdempotentRequest => ({
  key: IdempotencyKey.make(key),
  fingerprint,
  now: epochSecondsFromMillis(nowMillis),
  expiresAt: epochSecondsFromMillis(nowMillis + lifetimeMillis)
})

export const ALL_RUNS: RunPageQuery = { states: RunState.literals, before: Option.none(), limit: 1000 }
