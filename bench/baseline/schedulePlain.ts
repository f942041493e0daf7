/**
 * The floor for the domain-overhead benchmark: SPEC §3's schedule in plain TypeScript, no
 * Effect. Same parsing (bearer token, canonical ids, JSON body, Temporal dates), same
 * checks in the same order, the same result object, an in-memory store with the same
 * overlap index idea (ranges ordered by start), keeping what the library's memory store
 * keeps of a create: the backfill by id and by team, and its `backfill.created` event. Only the answers of success and of
 * failure are kept simple; the benchmark exercises the success path.
 */
import { Temporal } from "temporal-polyfill"

export interface PlainPrincipal {
  readonly userId: bigint
  readonly teamIds: ReadonlyArray<bigint>
  readonly scopes: ReadonlyArray<string>
  readonly permissions: ReadonlyArray<string>
}

export interface PlainTransfer {
  readonly id: bigint
  readonly teamId: bigint
  readonly timeZone: string
}

export interface PlainBackfill {
  readonly id: bigint
  readonly transferId: bigint
  readonly range: { readonly start: string; readonly end: string }
  readonly createdTime: number
  readonly createdUserId: bigint
  readonly removal: null
  readonly startTime: null
  readonly endTime: null
  readonly status: "CREATED"
  readonly runs: { readonly total: number; readonly created: 0; readonly completed: 0; readonly failed: 0 }
  readonly errorReport: ReadonlyArray<never>
}

export interface PlainFailure {
  readonly status: number
  readonly code: string
  readonly description: string
}

const MAX = 9223372036854775807n
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const CANONICAL = /^[1-9][0-9]{0,18}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** What the store keeps of the event a create makes, as the library's outbox does. */
export interface PlainEvent {
  readonly type: "backfill.created"
  readonly backfillId: bigint
  readonly teamId: bigint
  readonly sequence: 1
  readonly time: number
}

export class PlainStore {
  private lastId = 0n
  /** Per transfer, active ranges ordered by start. */
  private readonly active = new Map<bigint, Array<PlainBackfill>>()
  /** What reads need, as the library's store keeps it: each backfill by id, each team's ids. */
  private readonly byId = new Map<bigint, PlainBackfill>()
  private readonly idsByTeam = new Map<bigint, Array<bigint>>()
  private readonly events: Array<PlainEvent> = []

  insertUnlessOverlapping(
    teamId: bigint,
    backfill: Omit<PlainBackfill, "id">
  ): PlainBackfill | { conflicting: PlainBackfill } {
    const ranges = this.active.get(backfill.transferId) ?? []
    let low = 0
    let high = ranges.length
    while (low < high) {
      const middle = (low + high) >> 1
      if ((ranges[middle] as PlainBackfill).range.start <= backfill.range.end) low = middle + 1
      else high = middle
    }
    const candidate = ranges[low - 1]
    if (candidate !== undefined && candidate.range.end >= backfill.range.start) return { conflicting: candidate }
    this.lastId += 1n
    const stored: PlainBackfill = { id: this.lastId, ...backfill }
    ranges.splice(low, 0, stored)
    this.active.set(backfill.transferId, ranges)
    this.byId.set(stored.id, stored)
    const teamIds = this.idsByTeam.get(teamId) ?? []
    teamIds.push(stored.id)
    this.idsByTeam.set(teamId, teamIds)
    this.events.push({
      type: "backfill.created",
      backfillId: stored.id,
      teamId,
      sequence: 1,
      time: backfill.createdTime
    })
    return stored
  }
}

const fail = (status: number, code: string, description: string): PlainFailure => ({ status, code, description })

const pathId = (raw: unknown, name: string): bigint | PlainFailure => {
  if (typeof raw !== "string" || !CANONICAL.test(raw)) return fail(400, "BAD_REQUEST", `Path parameter ${name}`)
  const value = BigInt(raw)
  return value > MAX ? fail(400, "BAD_REQUEST", `Path parameter ${name}`) : value
}

const date = (text: string, field: string): string | PlainFailure => {
  if (!DATE.test(text)) return fail(422, "UNPROCESSABLE_ENTITY", `${field} shape`)
  try {
    Temporal.PlainDate.from(text)
    return text
  } catch {
    return fail(422, "UNPROCESSABLE_ENTITY", `${field} date`)
  }
}

const isFailure = (value: unknown): value is PlainFailure =>
  typeof value === "object" && value !== null && "code" in value

export const schedulePlain = (
  world: {
    readonly tokens: ReadonlyMap<string, PlainPrincipal>
    readonly transfers: ReadonlyMap<bigint, PlainTransfer>
    readonly store: PlainStore
  },
  request: {
    readonly authorization: string | undefined
    readonly path: Record<string, unknown>
    readonly body: unknown
  },
  nowMillis: number
): PlainBackfill | PlainFailure => {
  const token = request.authorization === undefined ? undefined : BEARER.exec(request.authorization)?.[1]
  const principal = token === undefined ? undefined : world.tokens.get(token)
  if (principal === undefined) return fail(401, "UNAUTHORIZED", "token")
  const teamId = pathId(request.path.team_id, "team_id")
  if (isFailure(teamId)) return teamId
  const transferId = pathId(request.path.transfer_id, "transfer_id")
  if (isFailure(transferId)) return transferId
  if (!principal.teamIds.includes(teamId)) return fail(403, "FORBIDDEN", "team")
  if (!principal.scopes.includes("dwh_transfers_write")) return fail(403, "FORBIDDEN", "scope")
  if (!principal.permissions.includes("dwh.transfer.edit")) return fail(403, "PERMISSION_ERROR", "permission")
  const transfer = world.transfers.get(transferId)
  if (transfer === undefined || transfer.teamId !== teamId) return fail(404, "NOT_FOUND", "transfer")
  let body: unknown = request.body
  if (typeof body === "string") {
    try {
      body = JSON.parse(body)
    } catch {
      return fail(400, "BAD_REQUEST", "json")
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "BAD_REQUEST", "object")
  const fields = body as Record<string, unknown>
  for (const key of Object.keys(fields)) {
    if (key !== "range_start" && key !== "range_end") return fail(400, "BAD_REQUEST", key)
  }
  if (typeof fields.range_start !== "string") return fail(400, "BAD_REQUEST", "range_start")
  if (typeof fields.range_end !== "string") return fail(400, "BAD_REQUEST", "range_end")
  const start = date(fields.range_start, "range_start")
  if (isFailure(start)) return start
  const end = date(fields.range_end, "range_end")
  if (isFailure(end)) return end
  if (start > end) return fail(422, "UNPROCESSABLE_ENTITY", "reversed")
  const today = Temporal.Instant.fromEpochMilliseconds(nowMillis)
    .toZonedDateTimeISO(transfer.timeZone)
    .toPlainDate()
    .toString()
  if (end > today) return fail(422, "UNPROCESSABLE_ENTITY", "future")
  const total = Temporal.PlainDate.from(start).until(Temporal.PlainDate.from(end)).days + 1
  if (total > 366) return fail(422, "UNPROCESSABLE_ENTITY", "too long")
  const outcome = world.store.insertUnlessOverlapping(teamId, {
    transferId,
    range: { start, end },
    createdTime: Math.floor(nowMillis / 1000),
    createdUserId: principal.userId,
    removal: null,
    startTime: null,
    endTime: null,
    status: "CREATED",
    runs: { total, created: 0, completed: 0, failed: 0 },
    errorReport: []
  })
  return "conflicting" in outcome ? fail(409, "CONFLICT_ERROR", String(outcome.conflicting.id)) : outcome
}
