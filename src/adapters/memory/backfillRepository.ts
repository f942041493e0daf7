/**
 * A backfill repository in memory that keeps the promises of the PostgreSQL one: each
 * method commits in one synchronous step (JavaScript runs nothing else meanwhile), after
 * a yield that lets concurrent fibers interleave the way concurrent transactions would.
 * The active ranges of each transfer sit in a tree ordered by start day, so the overlap
 * check costs O(log n) however many backfills are active.
 */
import { Effect, Layer, Option, Order, RedBlackTree, Schema } from "effect"
import { Backfill, type UnsavedBackfill } from "../../domain/backfill.js"
import type { CalendarDate } from "../../domain/calendarDate.js"
import { overlaps } from "../../domain/dateRange.js"
import { BackfillId, type TeamId, type TransferId } from "../../domain/ids.js"
import { isActive } from "../../domain/status.js"
import { ActiveRangeOverlap, BackfillRepository } from "../../ports/backfillRepository.js"

type ActiveByStart = RedBlackTree.RedBlackTree<CalendarDate, Backfill>

interface StoredBackfill {
  readonly teamId: TeamId
  readonly backfill: Backfill
}

/** A backfill already in the store when it starts, in any status. */
export interface SeededBackfill {
  readonly teamId: TeamId
  readonly backfill: Backfill
}

class MemoryStore {
  private lastId = 0n
  private readonly byId = new Map<BackfillId, StoredBackfill>()
  private readonly activeByTransfer = new Map<TransferId, ActiveByStart>()

  private activeOf(transferId: TransferId): ActiveByStart {
    return this.activeByTransfer.get(transferId) ?? RedBlackTree.empty<CalendarDate, Backfill>(Order.string)
  }

  /**
   * Active ranges of a transfer are pairwise disjoint, so ordered by start they are also
   * ordered by end: only the one with the latest start on or before the new range's end
   * can reach into it.
   */
  findOverlap(backfill: UnsavedBackfill): Option.Option<Backfill> {
    const active = this.activeOf(backfill.transferId)
    for (const [, candidate] of RedBlackTree.lessThanEqualReversed(active, backfill.range.end)) {
      return overlaps(candidate.range, backfill.range) ? Option.some(candidate) : Option.none()
    }
    return Option.none()
  }

  find(id: BackfillId): Option.Option<Backfill> {
    return Option.map(Option.fromNullable(this.byId.get(id)), (stored) => stored.backfill)
  }

  insert(teamId: TeamId, unsaved: UnsavedBackfill): Backfill {
    const backfill: Backfill = { id: BackfillId.make(this.lastId + 1n), ...unsaved }
    this.store(teamId, backfill)
    return backfill
  }

  store(teamId: TeamId, backfill: Backfill): void {
    if (backfill.id > this.lastId) this.lastId = backfill.id
    this.byId.set(backfill.id, { teamId, backfill })
    if (isActive(backfill.status)) {
      this.activeByTransfer.set(
        backfill.transferId,
        RedBlackTree.insert(this.activeOf(backfill.transferId), backfill.range.start, backfill)
      )
    }
  }
}

const makeMemoryRepository = (store: MemoryStore): BackfillRepository["Type"] => ({
  insertUnlessOverlapping: (teamId, backfill) =>
    Effect.zipRight(
      Effect.yieldNow(),
      Effect.suspend(() =>
        Option.match(store.findOverlap(backfill), {
          onSome: (conflicting) => Effect.fail(new ActiveRangeOverlap({ conflicting })),
          onNone: () => Effect.succeed(store.insert(teamId, backfill))
        })
      )
    ),
  findById: (id) =>
    Effect.zipRight(
      Effect.yieldNow(),
      Effect.sync(() => store.find(id))
    )
})

/**
 * A fresh in-memory repository per layer build, holding `seed` to begin with. Seeded
 * backfills keep their ids (new ones count on from the largest); their active ranges
 * must not overlap, as no repository could have stored them so.
 */
export const layerMemoryBackfillRepository = (seed: Iterable<SeededBackfill> = []): Layer.Layer<BackfillRepository> =>
  Layer.sync(BackfillRepository, () => {
    const store = new MemoryStore()
    for (const { teamId, backfill } of seed) {
      Schema.validateSync(Backfill)(backfill)
      if (Option.isSome(store.findOverlap(backfill)) && isActive(backfill.status)) {
        throw new RangeError(`Seeded backfill ${backfill.id} overlaps an active backfill of its transfer`)
      }
      store.store(teamId, backfill)
    }
    return makeMemoryRepository(store)
  })
