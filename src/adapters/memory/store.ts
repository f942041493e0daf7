/**
 * The in-memory store behind both repository ports: backfills, their runs and leases,
 * and the indexes that keep every step cheap (active ranges per transfer in a tree
 * ordered by start day, ids per team, backfills with work in id order).
 */
import { Either, Option, Order, RedBlackTree, SortedSet } from "effect"
import type { Backfill, UnsavedBackfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { type DateRange, overlaps } from "../../domain/dateRange.js"
import { type ChangeMade, changeEvents } from "../../domain/events.js"
import { BackfillId, type TeamId, type TransferId } from "../../domain/ids.js"
import type { DayRun, Lease } from "../../domain/runs.js"
import { hasWork, isActive } from "../../domain/status.js"
import { type BackfillProcessing, DEFAULT_PROCESSING, runsBefore } from "../../domain/turns.js"
import { LeaseLost, UnknownBackfill } from "../../domain/workerErrors.js"
import type { PageQuery, RunPageQuery } from "../../ports/backfillRepository.js"
import { RunningDays } from "./claims.js"
import { MemoryKeys } from "./keys.js"
import { MemoryOutbox } from "./outbox.js"

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
  readonly processing: BackfillProcessing
  /** When a worker last claimed it; never, at first. */
  servedAtMillis: number | undefined
}

type ActiveByStart = RedBlackTree.RedBlackTree<CalendarDate, BackfillId>

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
  /** The newest backfill of each team's transfer, by `team/transfer`. */
  private readonly latestByTransfer = new Map<string, BackfillId>()
  private withWork = SortedSet.empty<BackfillId>(Order.bigint)
  /** Idempotency keys, with the answer each one's first request got. */
  readonly keys = new MemoryKeys()
  /** Running days by team and transfer: what the claims choose by. */
  readonly running = new RunningDays(this)
  /** Every change's events, appended in the change's own step. */
  readonly outbox = new MemoryOutbox()

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

  /** The runs of a backfill in `query.states`, in its processing order, from after `query.before`. */
  runPage(stored: Stored, query: RunPageQuery): ReadonlyArray<DayRun> {
    const states = new Set(query.states)
    const { order } = stored.processing
    return [...stored.runs.values()]
      .filter(
        (run) =>
          states.has(run.state) &&
          Option.match(query.before, { onNone: () => true, onSome: (last) => runsBefore(order, last, run.day) })
      )
      .sort((a, b) => (runsBefore(order, a.day, b.day) ? -1 : 1))
      .slice(0, query.limit)
  }

  insert(teamId: TeamId, unsaved: UnsavedBackfill, processing: BackfillProcessing = DEFAULT_PROCESSING): Backfill {
    const backfill: Backfill = { id: BackfillId.make(this.lastId + 1n), ...unsaved }
    this.add(teamId, backfill, new Map(), processing)
    this.outbox.append({ teamId, backfill }, changeEvents(undefined, backfill), backfill.createdTime)
    return backfill
  }

  add(
    teamId: TeamId,
    backfill: Backfill,
    runs: Map<CalendarDate, DayRun>,
    processing: BackfillProcessing = DEFAULT_PROCESSING
  ): void {
    if (backfill.id > this.lastId) this.lastId = backfill.id
    const stored: Stored = {
      teamId,
      backfill,
      runs,
      lease: Option.none(),
      fence: 0,
      processing,
      servedAtMillis: undefined
    }
    this.byId.set(backfill.id, stored)
    const teamIds = this.idsByTeam.get(teamId) ?? []
    const last = teamIds.at(-1)
    teamIds.push(backfill.id)
    // New ids only grow; only seeds given out of order need a sort.
    if (last !== undefined && last > backfill.id) teamIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    this.idsByTeam.set(teamId, teamIds)
    const transferOfTeam = `${teamId}/${backfill.transferId}`
    const latest = this.latestByTransfer.get(transferOfTeam)
    if (latest === undefined || latest < backfill.id) this.latestByTransfer.set(transferOfTeam, backfill.id)
    if (isActive(backfill.status)) {
      this.activeByTransfer.set(
        backfill.transferId,
        RedBlackTree.insert(this.activeOf(backfill.transferId), backfill.range.start, backfill.id)
      )
    }
    if (hasWork(backfill.status)) this.withWork = SortedSet.add(this.withWork, backfill.id)
  }

  /**
   * Stores the next state of a backfill, appends the change's events and keeps the
   * indexes in step with its status.
   */
  update(stored: Stored, next: Backfill, change: ChangeMade): Backfill {
    this.outbox.append(
      { teamId: stored.teamId, backfill: next },
      changeEvents(stored.backfill, next, change),
      change.time
    )
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

  /** The records with work for a worker, in id order. */
  *withWorkRecords(): Generator<Stored> {
    for (const id of this.withWork) {
      const stored = this.byId.get(id)
      if (stored !== undefined) yield stored
    }
  }

  latestOf(teamId: TeamId, transferId: TransferId): Option.Option<Backfill> {
    return Option.flatMap(Option.fromNullable(this.latestByTransfer.get(`${teamId}/${transferId}`)), (id) =>
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
