/**
 * The in-memory store behind both repository ports: backfills, their runs and leases,
 * and the indexes that keep every step cheap (active ranges per transfer in a tree
 * ordered by start day, ids per team, backfills with work in id order).
 */
import { Either, Option, Order, RedBlackTree, SortedSet } from "effect"
import type { WriteAccess } from "../../domain/access.js"
import type { Backfill, UnsavedBackfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { type DateRange, daysOf, overlaps } from "../../domain/dateRange.js"
import { IdempotencyKeyReused, type IdempotentRequest } from "../../domain/idempotency.js"
import { BackfillId, type TeamId, type TransferId } from "../../domain/ids.js"
import { type DayRun, DayRuns, isLeaseLive, type Lease, type RunState } from "../../domain/runs.js"
import { hasWork, isActive } from "../../domain/status.js"
import { LeaseLost, UnknownBackfill } from "../../domain/workerErrors.js"
import type { PageQuery, RunPageQuery } from "../../ports/backfillRepository.js"

/**
 * A backfill already in the store when it starts, in any status, with the team that owns
 * it; for `layerMemoryBackfillRepository`'s seed.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeededBackfill {
  readonly teamId: TeamId
  readonly backfill: Backfill
  /** Where each created day's run stands; by default pending, or as the counters imply. */
  readonly runs?: ReadonlyMap<CalendarDate, RunState> | undefined
}

/**
 * One backfill in the store, with its runs and lease.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stored {
  readonly teamId: TeamId
  backfill: Backfill
  readonly runs: Map<CalendarDate, DayRun>
  lease: Option.Option<Lease>
  /** The fence of the latest claim; the next claim gets a larger one. */
  fence: number
}

type ActiveByStart = RedBlackTree.RedBlackTree<CalendarDate, BackfillId>

/**
 * Runs a seeded backfill's counters imply: reported days first, then pending ones (dropped
 * ones for a cancelled backfill).
 *
 * @since 0.1.0
 * @category utils
 */
export const impliedRuns = (backfill: Backfill): Map<CalendarDate, RunState> => {
  const failedDays = new Set(backfill.errorReport.map((entry) => entry.day))
  const runs = new Map<CalendarDate, RunState>()
  let completed = backfill.runs.completed
  for (const day of daysOf(backfill.range).slice(0, backfill.runs.created)) {
    if (failedDays.has(day)) runs.set(day, "failed")
    else if (completed > 0) {
      runs.set(day, "completed")
      completed -= 1
    } else runs.set(day, backfill.status === "CANCELLED" ? "dropped" : "pending")
  }
  return runs
}

/**
 * The ledger entries of a seeded backfill's runs: first attempts, the error of a failed
 * day from the error report, no times (a seed says where runs stand, not when they moved).
 *
 * @since 0.2.0
 * @category utils
 */
export const seededRuns = (
  backfill: Backfill,
  states: ReadonlyMap<CalendarDate, RunState>
): Map<CalendarDate, DayRun> => {
  const errors = new Map(backfill.errorReport.map((entry) => [entry.day, entry.error]))
  return new Map(
    [...states].map(([day, state]) => [
      day,
      {
        ...DayRuns.queued(day),
        state,
        error: state === "failed" ? Option.fromNullable(errors.get(day)) : Option.none()
      }
    ])
  )
}

/** A key as the store files it: one namespace per team and user. */
const keyId = ({ teamId, principal }: WriteAccess, key: string) => `${teamId}/${principal.userId}/${key}`

interface StoredKey {
  readonly fingerprint: string
  readonly backfill: Backfill
  readonly expiresAt: number
}

/**
 * The in-memory store behind both repository ports: backfills, their runs and leases,
 * and the indexes that keep every step cheap. Its methods are single synchronous steps;
 * the repository makes each port call one of them.
 *
 * @since 0.1.0
 * @category utils
 */
export class MemoryStore {
  private lastId = 0n
  private readonly byId = new Map<BackfillId, Stored>()
  private readonly activeByTransfer = new Map<TransferId, ActiveByStart>()
  private readonly idsByTeam = new Map<TeamId, Array<BackfillId>>()
  private readonly latestByTransfer = new Map<TransferId, BackfillId>()
  private withWork = SortedSet.empty<BackfillId>(Order.bigint)
  private readonly keys = new Map<string, StoredKey>()
  /** Keys in the order they were stored, to forget the expired ones without a scan. */
  private readonly keysByAge: Array<{ readonly id: string; readonly expiresAt: number }> = []

  private activeOf(transferId: TransferId): ActiveByStart {
    return this.activeByTransfer.get(transferId) ?? RedBlackTree.empty<CalendarDate, BackfillId>(Order.string)
  }

  get(id: BackfillId): Option.Option<Stored> {
    return Option.fromNullable(this.byId.get(id))
  }

  /** The record, if `teamId` owns it. */
  ofTeam(teamId: TeamId, id: BackfillId): Option.Option<Stored> {
    return Option.filter(this.get(id), (stored) => stored.teamId === teamId)
  }

  ownedBy(teamId: TeamId, id: BackfillId): boolean {
    return Option.isSome(this.ofTeam(teamId, id))
  }

  require(id: BackfillId): Either.Either<Stored, UnknownBackfill> {
    const stored = this.byId.get(id)
    return stored === undefined ? Either.left(new UnknownBackfill({ backfillId: id })) : Either.right(stored)
  }

  /**
   * Active ranges of a transfer are pairwise disjoint, so ordered by start they are also
   * ordered by end: only the one with the latest start on or before the new range's end
   * can reach into it.
   */
  findOverlap(backfill: UnsavedBackfill): Option.Option<Backfill> {
    const active = this.activeOf(backfill.transferId)
    for (const [, id] of RedBlackTree.lessThanEqualReversed(active, backfill.range.end)) {
      const candidate = this.byId.get(id)?.backfill
      return candidate !== undefined && overlaps(candidate.range, backfill.range)
        ? Option.some(candidate)
        : Option.none()
    }
    return Option.none()
  }

  /** The transfer's active backfills sharing a day with `range`, by start: disjoint, so the walk stops at the first that ends before it. */
  overlapsOf(transferId: TransferId, range: DateRange): ReadonlyArray<Backfill> {
    const found: Array<Backfill> = []
    for (const [, id] of RedBlackTree.lessThanEqualReversed(this.activeOf(transferId), range.end)) {
      const candidate = this.byId.get(id)?.backfill
      if (candidate === undefined || !overlaps(candidate.range, range)) break
      found.push(candidate)
    }
    return found.reverse()
  }

  /**
   * A keyed change: the answer of the key's first request when it has not expired (or
   * `IdempotencyKeyReused` when that request was another), else `change`, whose answer is
   * then stored under the key. Without a key, just `change`.
   */
  keyed<E>(
    access: WriteAccess,
    idempotency: IdempotentRequest | undefined,
    change: () => Either.Either<Backfill, E>
  ): Either.Either<Backfill, E | IdempotencyKeyReused> {
    if (idempotency === undefined) return change()
    this.forgetExpiredKeys(idempotency.now)
    const id = keyId(access, idempotency.key)
    const stored = this.keys.get(id)
    if (stored !== undefined && stored.expiresAt > idempotency.now) {
      return stored.fingerprint === idempotency.fingerprint
        ? Either.right(stored.backfill)
        : Either.left(new IdempotencyKeyReused())
    }
    return Either.map(change(), (backfill) => {
      this.keys.set(id, { fingerprint: idempotency.fingerprint, backfill, expiresAt: idempotency.expiresAt })
      this.keysByAge.push({ id, expiresAt: idempotency.expiresAt })
      return backfill
    })
  }

  private forgetExpiredKeys(now: number): void {
    let expired = 0
    for (const entry of this.keysByAge) {
      if (entry.expiresAt > now) break
      if (this.keys.get(entry.id)?.expiresAt === entry.expiresAt) this.keys.delete(entry.id)
      expired += 1
    }
    if (expired > 0) this.keysByAge.splice(0, expired)
  }

  /** The runs of a backfill in `query.states`, latest day first, from before `query.before`. */
  runPage(stored: Stored, query: RunPageQuery): ReadonlyArray<DayRun> {
    const states = new Set(query.states)
    return [...stored.runs.values()]
      .filter(
        (run) =>
          states.has(run.state) &&
          Option.getOrElse(
            Option.map(query.before, (before) => run.day < before),
            () => true
          )
      )
      .sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0))
      .slice(0, query.limit)
  }

  insert(teamId: TeamId, unsaved: UnsavedBackfill): Backfill {
    const backfill: Backfill = { id: BackfillId.make(this.lastId + 1n), ...unsaved }
    this.add(teamId, backfill, new Map())
    return backfill
  }

  add(teamId: TeamId, backfill: Backfill, runs: Map<CalendarDate, DayRun>): void {
    if (backfill.id > this.lastId) this.lastId = backfill.id
    this.byId.set(backfill.id, { teamId, backfill, runs, lease: Option.none(), fence: 0 })
    const teamIds = this.idsByTeam.get(teamId) ?? []
    const last = teamIds.at(-1)
    teamIds.push(backfill.id)
    // New ids only grow; only seeds given out of order need a sort.
    if (last !== undefined && last > backfill.id) teamIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    this.idsByTeam.set(teamId, teamIds)
    const latest = this.latestByTransfer.get(backfill.transferId)
    if (latest === undefined || latest < backfill.id) this.latestByTransfer.set(backfill.transferId, backfill.id)
    if (isActive(backfill.status)) {
      this.activeByTransfer.set(
        backfill.transferId,
        RedBlackTree.insert(this.activeOf(backfill.transferId), backfill.range.start, backfill.id)
      )
    }
    if (hasWork(backfill.status)) this.withWork = SortedSet.add(this.withWork, backfill.id)
  }

  /** Stores the next state of a backfill and keeps the indexes in step with its status. */
  update(stored: Stored, next: Backfill): Backfill {
    const leavesActive = isActive(stored.backfill.status) && !isActive(next.status)
    stored.backfill = next
    // Only on leaving the active set: another active backfill may now start on the same day.
    if (leavesActive) {
      this.activeByTransfer.set(
        next.transferId,
        RedBlackTree.removeFirst(this.activeOf(next.transferId), next.range.start)
      )
    }
    this.withWork = hasWork(next.status)
      ? SortedSet.add(this.withWork, next.id)
      : SortedSet.remove(this.withWork, next.id)
    return next
  }

  latestOf(transferId: TransferId): Option.Option<Backfill> {
    return Option.flatMap(Option.fromNullable(this.latestByTransfer.get(transferId)), (id) =>
      Option.map(this.get(id), (stored) => stored.backfill)
    )
  }

  page(teamId: TeamId, query: PageQuery): ReadonlyArray<Backfill> {
    const ids = this.idsByTeam.get(teamId) ?? []
    const statuses = new Set(query.statuses)
    const page: Array<Backfill> = []
    for (let index = ids.length - 1; index >= 0 && page.length < query.limit; index--) {
      const id = ids[index] as BackfillId
      if (Option.isSome(query.before) && id >= query.before.value) continue
      const backfill = this.byId.get(id)?.backfill
      if (backfill !== undefined && statuses.has(backfill.status)) page.push(backfill)
    }
    return page
  }

  claim(workerId: Lease["workerId"], nowMillis: number, leaseMillis: number): Option.Option<Lease> {
    let free: Stored | undefined
    for (const id of this.withWork) {
      const stored = this.byId.get(id)
      if (stored === undefined) continue
      if (Option.exists(stored.lease, (lease) => lease.workerId === workerId))
        return this.lease(stored, workerId, nowMillis, leaseMillis)
      if (free === undefined && !Option.exists(stored.lease, (lease) => isLeaseLive(lease, nowMillis))) free = stored
    }
    return free === undefined ? Option.none() : this.lease(free, workerId, nowMillis, leaseMillis)
  }

  private lease(stored: Stored, workerId: Lease["workerId"], nowMillis: number, leaseMillis: number) {
    for (const [day, run] of stored.runs) if (run.state === "running") stored.runs.set(day, DayRuns.requeued(run))
    stored.fence += 1
    const lease: Lease = {
      backfillId: stored.backfill.id,
      workerId,
      fence: stored.fence,
      expiresAtMillis: nowMillis + leaseMillis
    }
    stored.lease = Option.some(lease)
    return Option.some(lease)
  }

  /** The record, if `lease` (when given) is its latest claim. */
  fencedBy(stored: Stored, lease: Lease | undefined): Either.Either<Stored, LeaseLost> {
    return lease === undefined || lease.fence === stored.fence
      ? Either.right(stored)
      : Either.left(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))
  }

  /** The stored record behind a lease that still holds it. */
  held(lease: Lease): Either.Either<Stored, LeaseLost> {
    const stored = this.byId.get(lease.backfillId)
    return stored !== undefined && Option.exists(stored.lease, (current) => current.fence === lease.fence)
      ? Either.right(stored)
      : Either.left(new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId }))
  }
}
