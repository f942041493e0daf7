/**
 * The API's repository port as plain async functions, for hosts that keep backfills in a
 * store of their own without Effect: what such a store implements, and how its promises
 * are called. `repositoryLayer.ts` makes the port of it.
 */
import { Effect } from "effect"
import { ServiceUnavailable } from "../domain/errors.js"
import type { RunState } from "../domain/runs.js"
import type { BackfillStatus } from "../domain/status.js"
import type { PlainBackfill, PlainDayRun, PlainUnsavedBackfill } from "./plain.js"

/**
 * Which page of a team's backfills: those in `statuses`, with an id below `beforeId`
 * when set, newest (largest id) first, at most `limit`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainPageQuery {
  readonly statuses: ReadonlyArray<BackfillStatus>
  readonly beforeId: string | null
  readonly limit: number
}

/**
 * Which page of a backfill's ledger: runs in `states`, with a day before `beforeDay` when
 * set, latest day first, at most `limit`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainRunPageQuery {
  readonly states: ReadonlyArray<RunState>
  readonly beforeDay: string | null
  readonly limit: number
}

/**
 * What a keyed change asks the store to keep with it (see `IdempotentRequest`): the key,
 * which user sent it (the team is the call's), the request it names, the time of the
 * request, and until when the key holds.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainIdempotentRequest {
  readonly key: string
  readonly userId: string
  readonly fingerprint: string
  readonly timeMillis: number
  readonly expiresAtMillis: number
}

/**
 * How a store answers a keyed change without making it: the backfill the key's first
 * request answered (same fingerprint, key not expired), or why the key cannot be used
 * (`reused` with another fingerprint; `in-flight` while its first request is still in the
 * store's hands, for a store that can tell).
 *
 * @since 0.2.0
 * @category models
 */
export type PlainKeyAnswer = { readonly replayed: PlainBackfill } | { readonly idempotencyKey: "reused" | "in-flight" }

/**
 * What a change writes: the backfill as it now stands, and what becomes of its runs, for a
 * store that keeps them (one that keeps none writes the backfill alone):
 * `dropPendingAtMillis`, every run not yet started dropped (ended then), as a cancel does;
 * or `retryDays`, those days' runs pending again with one more attempt, their error and
 * times cleared, as a retry does.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainChange {
  readonly backfill: PlainBackfill
  readonly runs: { readonly dropPendingAtMillis: number } | { readonly retryDays: ReadonlyArray<string> }
}

/**
 * The part of the backfill store the API operations use, as plain async functions: storage
 * only, every transition decided by the library (`change`). Ids
 * arrive as decimal strings; "none" may be answered with `null` or `undefined`. A
 * rejected promise means the store cannot answer now (503). Run it through
 * `backfillRepositoryConformance` with `layerPromiseBackfillRepository` to check it keeps
 * the port's promises.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseBackfillRepository {
  /**
   * Stores the backfill and returns it with a new id, larger than every id before it, or,
   * when its range shares a day with an active backfill of the same transfer, stores
   * nothing and returns that backfill as it now stands. Check and insert must be one
   * atomic step (a transaction with an exclusion constraint, say).
   *
   * With `idempotency`, the key is part of the same step: when the user already used it
   * in the team and it has not expired, nothing is stored and the answer is a
   * `PlainKeyAnswer`; otherwise the backfill is stored and the key with it (its answer is
   * the inserted backfill), or neither. The same holds for `change`.
   */
  readonly insertUnlessOverlapping: (
    teamId: string,
    backfill: PlainUnsavedBackfill,
    idempotency?: PlainIdempotentRequest,
    processing?: PlainProcessing
  ) => Promise<{ readonly inserted: PlainBackfill } | { readonly conflicting: PlainBackfill } | PlainKeyAnswer>
  /** The team's backfill with this id; none for another team's. */
  readonly findForTeam: (teamId: string, backfillId: string) => Promise<PlainBackfill | null | undefined>
  /** The transfer's backfill with the largest id, in any status. */
  readonly latestForTransfer: (teamId: string, transferId: string) => Promise<PlainBackfill | null | undefined>
  /**
   * The active backfills (`CREATED`, `SCHEDULED`, `RUNNING`, `FAILED`) of the team's
   * transfer that share a day with the range, by start date.
   */
  readonly activeOverlapping: (
    teamId: string,
    transferId: string,
    range: { readonly rangeStart: string; readonly rangeEnd: string }
  ) => Promise<ReadonlyArray<PlainBackfill>>
  /** The team's backfills of the page, newest (largest id) first. */
  readonly listForTeam: (teamId: string, page: PlainPageQuery) => Promise<ReadonlyArray<PlainBackfill>>
  /**
   * Changes the team's backfill in one atomic step (a transaction holding its row, say):
   * reads it as it stands, asks `decide` (the library's transition: a cancel, a retry)
   * what it becomes, and writes that (see `PlainChange`). When `decide` answers `null`,
   * nothing is written and the answer is `{ unchanged }` with the backfill as read; none
   * when the team has no such backfill. `idempotency` works as for an insert: a key
   * already used answers its `PlainKeyAnswer` before `decide` is asked, and a change
   * stores its key with the backfill written.
   */
  readonly change: (
    teamId: string,
    backfillId: string,
    decide: (current: PlainBackfill) => PlainChange | null,
    idempotency?: PlainIdempotentRequest
  ) => Promise<
    { readonly changed: PlainBackfill } | { readonly unchanged: PlainBackfill } | PlainKeyAnswer | null | undefined
  >
  /**
   * The runs of the team's backfill in the page (none for another team's), in its
   * processing order: latest day first, or earliest first for a backfill inserted with
   * `order: "oldest_first"` (`beforeDay` is then the day the page starts after).
   */
  readonly runsOf: (teamId: string, backfillId: string, page: PlainRunPageQuery) => Promise<ReadonlyArray<PlainDayRun>>
}

/**
 * How a backfill is to be processed, given with its insert when it is not the default
 * (newest first, no cap of the transfer's own): keep it beside the backfill if the store
 * keeps runs, and list them in its `order`.
 *
 * @since 0.3.0
 * @category models
 */
export interface PlainProcessing {
  readonly order: "newest_first" | "oldest_first"
  /** The transfer's own cap on days running at once; `null` when it has none. */
  readonly transferMaxRunningDays: number | null
}

/**
 * Calls a host's async port function: its result, or `ServiceUnavailable` (a 503) when the
 * promise rejects, a promise the store could not keep because the database or service
 * behind it is unavailable.
 *
 * @since 0.2.0
 * @category utils
 */
export const portCall = <A>(call: () => Promise<A>) =>
  Effect.tryPromise({ try: call, catch: (cause) => new ServiceUnavailable({ cause }) })
