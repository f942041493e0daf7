import { Context, type Effect, type Option, Schema } from "effect"
import type { ReadAccess, WriteAccess } from "../domain/access.js"
import { Backfill, type UnsavedBackfill } from "../domain/backfill.js"
import type { CalendarDate } from "../domain/calendarDate.js"
import type { DateRange } from "../domain/dateRange.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { IdempotencyRefused, IdempotentRequest } from "../domain/idempotency.js"
import type { BackfillId, TransferId } from "../domain/ids.js"
import type { RecordedOutcome } from "../domain/lifecycle.js"
import type { DayRun, Lease, RunOutcome, RunState, WorkerId } from "../domain/runs.js"
import type { BackfillStatus, IllegalTransition } from "../domain/status.js"
import type { EpochSeconds } from "../domain/time.js"
import type { BackfillProcessing, ClaimCaps } from "../domain/turns.js"
import type {
  DayOutsideRange,
  DaysNotFailed,
  LeaseLost,
  NoFailedDays,
  RunDropped,
  RunNotMaterialised,
  UnknownBackfill
} from "../domain/workerErrors.js"

/**
 * Why an outcome was not recorded; every adapter refuses with these and only these.
 *
 * @since 0.1.0
 * @category errors
 */
export type OutcomeRefused =
  | UnknownBackfill
  | DayOutsideRange
  | RunNotMaterialised
  | RunDropped
  | IllegalTransition
  | LeaseLost

/**
 * An outcome recorded by `WorkerRepository.recordOutcomeAndRelease`, and whether that
 * step also gave the lease up.
 *
 * @since 0.3.0
 * @category models
 */
export interface ReleasingOutcome extends RecordedOutcome {
  readonly released: boolean
}

/**
 * The insert found an active backfill of the same transfer sharing a day with the new one;
 * `conflicting` is that backfill. `scheduleBackfill` answers with a `Conflict` naming it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ActiveRangeOverlap extends Schema.TaggedError<ActiveRangeOverlap>()("ActiveRangeOverlap", {
  conflicting: Backfill
}) {}

/**
 * One page of a team's backfills, newest first.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageQuery {
  readonly statuses: ReadonlyArray<BackfillStatus>
  /** Only backfills with a smaller id than this one: the last of the previous page. */
  readonly before: Option.Option<BackfillId>
  readonly limit: number
}

/**
 * One page of a backfill's runs, in processing order (latest day first).
 *
 * @since 0.2.0
 * @category models
 */
export interface RunPageQuery {
  /** Only runs in these states. */
  readonly states: ReadonlyArray<RunState>
  /** Only days that come after this one in the backfill's processing order: the last of the previous page. */
  readonly before: Option.Option<CalendarDate>
  readonly limit: number
}

/**
 * Why a retry was refused, apart from an unavailable repository or its key.
 *
 * @since 0.2.0
 * @category errors
 */
export type RetryRefused = UnknownBackfill | IllegalTransition | DaysNotFailed | NoFailedDays

/**
 * A run handed to a worker: the day to process and the backfill as it now stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartedRun {
  readonly backfill: Backfill
  readonly day: CalendarDate
}

/**
 * Where backfills live, as the API's operations use them. Every method is one atomic
 * step: no interleaving of concurrent calls, in this process or in any other sharing the
 * store, may observe or leave a state that breaks SPEC §3 step 10 or the invariants of
 * §4. The rules themselves are the domain's (`Lifecycle`); a repository applies them, it
 * does not decide. Each method acts for the team of its `access`, the evidence of SPEC §3
 * steps 3–5 (`authorize`): a backfill of another team is not there.
 *
 * The three changes (insert, cancel, retry) take an optional `IdempotentRequest`. With
 * one, the change and its key are one atomic step: when the user already used the key in
 * the team and it has not expired, nothing changes and the call answers the backfill its
 * first request answered (same fingerprint) or fails with `IdempotencyKeyReused`; a store
 * that can see the first request still in its step fails with `IdempotencyKeyInFlight`.
 * Otherwise the change is made and the key stored with its answer; a refused change
 * stores no key.
 *
 * The same store serves workers through `WorkerRepository`. `layerMemoryBackfillRepository`
 * and `layerPostgresBackfillRepository` provide both ports from one store.
 *
 * @since 0.1.0
 * @category services
 */
export class BackfillRepository extends Context.Tag("transfer-backfills/BackfillRepository")<
  BackfillRepository,
  {
    /**
     * Stores `backfill` for the team and assigns its id, unless an active backfill of the
     * same transfer shares a day with it: then nothing is stored and the call fails with
     * that backfill. The check and the insert are one atomic step. `processing` (default
     * `DEFAULT_PROCESSING`) is kept beside the backfill for its workers and its ledger.
     */
    readonly insertUnlessOverlapping: (
      access: WriteAccess,
      backfill: UnsavedBackfill,
      idempotency?: IdempotentRequest,
      processing?: BackfillProcessing
    ) => Effect.Effect<Backfill, ActiveRangeOverlap | IdempotencyRefused | ServiceUnavailable>

    /** The backfill with this id, if the team owns it. */
    readonly findForTeam: (
      access: ReadAccess,
      id: BackfillId
    ) => Effect.Effect<Option.Option<Backfill>, ServiceUnavailable>

    /** The newest backfill of the team's transfer, in any status. */
    readonly latestForTransfer: (
      access: ReadAccess,
      transferId: TransferId
    ) => Effect.Effect<Option.Option<Backfill>, ServiceUnavailable>

    /**
     * The active backfills of the team's transfer that share a day with `range`, by start
     * date: what a schedule of `range` would meet (they are pairwise disjoint, so a range
     * can meet several).
     */
    readonly activeOverlapping: (
      access: ReadAccess,
      transferId: TransferId,
      range: DateRange
    ) => Effect.Effect<ReadonlyArray<Backfill>, ServiceUnavailable>

    /**
     * The team's backfills in `statuses`, newest (largest id) first, at most `limit`.
     * Backfills created after the first page have larger ids than any page's last, so a
     * listing never repeats or skips one because of concurrent inserts.
     */
    readonly listForTeam: (
      access: ReadAccess,
      query: PageQuery
    ) => Effect.Effect<ReadonlyArray<Backfill>, ServiceUnavailable>

    /**
     * Cancels an active backfill of the team for its caller at `time`
     * (`domain/lifecycle.cancel`) and drops its pending runs.
     */
    readonly cancel: (
      access: WriteAccess,
      id: BackfillId,
      time: EpochSeconds,
      idempotency?: IdempotentRequest
    ) => Effect.Effect<Backfill, UnknownBackfill | IllegalTransition | IdempotencyRefused | ServiceUnavailable>

    /**
     * Queues failed days of the team's backfill again: those of `days`, or every failed
     * one (`domain/lifecycle.retryDays`); each retried run is pending with one more attempt.
     */
    readonly retry: (
      access: WriteAccess,
      id: BackfillId,
      days: Option.Option<ReadonlyArray<CalendarDate>>,
      idempotency?: IdempotentRequest
    ) => Effect.Effect<Backfill, RetryRefused | IdempotencyRefused | ServiceUnavailable>

    /**
     * The runs of the team's backfill (none for a backfill of another team), in its
     * processing order (latest day first by default), at most `limit`: the ledger whose
     * counts are the backfill's counters.
     */
    readonly runsOf: (
      access: ReadAccess,
      id: BackfillId,
      query: RunPageQuery
    ) => Effect.Effect<ReadonlyArray<DayRun>, ServiceUnavailable>
  }
>() {}

/**
 * Where backfills and their runs live, as workers drive them (SPEC §4). The same promise
 * of atomicity as `BackfillRepository`. Workers are trusted callers: no access evidence.
 *
 * Times are passed in as epoch milliseconds (`nowMillis`), so that every implementation
 * agrees on them and tests can choose them. The `Worker` steps call it with the time of
 * the `Clock`.
 *
 * @since 0.1.0
 * @category services
 */
export class WorkerRepository extends Context.Tag("transfer-backfills/WorkerRepository")<
  WorkerRepository,
  {
    /** Creates the runs of the next `maxDays` days (`domain/lifecycle.materialiseRuns`). */
    readonly materialiseRuns: (
      id: BackfillId,
      maxDays: number
    ) => Effect.Effect<Backfill, UnknownBackfill | ServiceUnavailable>

    /**
     * Leases a backfill that has work for a worker (`CREATED`, `SCHEDULED` or `RUNNING`)
     * and no live lease, to `workerId` until `nowMillis + leaseMillis`, choosing fairly:
     * the team with the fewest running days (live leases) first, the team served least
     * recently among equals, then the team's backfill served least recently. A team at
     * `caps.maxRunningDaysPerTeam`, or a transfer at its own cap, is skipped; the choice,
     * the caps' check and the lease are one atomic step. A backfill whose lease
     * `workerId` itself still holds is taken back first, live or not: a worker id names
     * one loop, so a lease it holds while claiming was left behind by a step that failed
     * (an outage, say). Runs left `running` by the previous holder go back to `pending`:
     * their worker is gone. No two live leases ever cover one backfill.
     */
    readonly claim: (
      workerId: WorkerId,
      nowMillis: number,
      leaseMillis: number,
      caps?: ClaimCaps
    ) => Effect.Effect<Option.Option<Lease>, ServiceUnavailable>

    /** Extends a lease that has not been taken over. */
    readonly renewLease: (
      lease: Lease,
      nowMillis: number,
      leaseMillis: number
    ) => Effect.Effect<Lease, LeaseLost | ServiceUnavailable>

    /**
     * Gives a lease up, and with it its running day in its team's and transfer's counts;
     * releasing a lease already lost does nothing.
     */
    readonly releaseLease: (lease: Lease) => Effect.Effect<void, ServiceUnavailable>

    /**
     * Under a live lease, hands out the backfill's next pending day in its processing
     * order (newest first by default, as SPEC says: "reverse chronological order, one day
     * at a time") and marks its run `running` (`Lifecycle.startRun`); `None` when no day
     * is pending.
     */
    readonly startNextRun: (
      lease: Lease,
      nowMillis: number
    ) => Effect.Effect<Option.Option<StartedRun>, LeaseLost | IllegalTransition | ServiceUnavailable>

    /**
     * Records one day's outcome (`domain/lifecycle.recordOutcome`); idempotent per day.
     * Given the `lease` the day was started under, the outcome is recorded only while
     * that lease's claim is still the backfill's latest (its fence is current, expired or
     * not); after another claim it fails with `LeaseLost` and records nothing.
     */
    readonly recordOutcome: (
      id: BackfillId,
      day: CalendarDate,
      outcome: RunOutcome,
      nowMillis: number,
      lease?: Lease
    ) => Effect.Effect<RecordedOutcome, OutcomeRefused | ServiceUnavailable>

    /**
     * `recordOutcome` of the last day of a turn under `lease`, giving the lease up in the
     * same atomic step as `releaseLease` would (`released: true`). Where this call did not
     * give it up (the day had already reported, say), `released` is false and the caller
     * releases the lease itself. Optional: without it a worker records, then releases, one
     * round trip more per turn.
     */
    readonly recordOutcomeAndRelease?: (
      id: BackfillId,
      day: CalendarDate,
      outcome: RunOutcome,
      nowMillis: number,
      lease: Lease
    ) => Effect.Effect<ReleasingOutcome, OutcomeRefused | ServiceUnavailable>

    /** Re-queues the failed days of a `FAILED` backfill (`domain/lifecycle.retryFailedDays`). */
    readonly retryFailedDays: (
      id: BackfillId
    ) => Effect.Effect<Backfill, UnknownBackfill | IllegalTransition | ServiceUnavailable>
  }
>() {}
