import { Context, type Effect, type Option, Schema } from "effect"
import { Backfill, type UnsavedBackfill } from "../domain/backfill.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { BackfillId, TeamId } from "../domain/ids.js"

/** The insert found an active backfill of the same transfer sharing a day with the new one. */
export class ActiveRangeOverlap extends Schema.TaggedError<ActiveRangeOverlap>()("ActiveRangeOverlap", {
  conflicting: Backfill
}) {}

/**
 * Where backfills live. Every method is one atomic step: no interleaving of concurrent
 * calls, in this process or any other sharing the store, may observe or leave a state
 * that breaks SPEC §3 step 10 or the invariants of §4.
 */
export class BackfillRepository extends Context.Tag("transfer-backfills/BackfillRepository")<
  BackfillRepository,
  {
    /**
     * Stores `backfill` for `teamId` and assigns its id, unless an active backfill of the
     * same transfer shares a day with it: then nothing is stored and the call fails with
     * that backfill. The check and the insert are one atomic step.
     */
    readonly insertUnlessOverlapping: (
      teamId: TeamId,
      backfill: UnsavedBackfill
    ) => Effect.Effect<Backfill, ActiveRangeOverlap | ServiceUnavailable>

    /** The backfill with this id, whichever team owns it. */
    readonly findById: (id: BackfillId) => Effect.Effect<Option.Option<Backfill>, ServiceUnavailable>
  }
>() {}
