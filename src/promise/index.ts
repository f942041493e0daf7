/**
 * `transfer-backfills/promise`: the API operations for hosts that do not use Effect. Give
 * plain async functions for the ports and get back functions from request parts to
 * `{ status, headers, body }`, exactly what the Effect handlers answer.
 *
 * A port function that rejects means "cannot answer": the caller gets a 503. Every rule,
 * check order and error mapping is the library's, as for Effect hosts.
 */
import { Effect, Layer, ManagedRuntime, Option, Schema } from "effect"
import { layerMemoryBackfillRepository } from "./adapters/memory/backfillRepository.js"
import { Principal } from "./domain/access.js"
import type { Backfill, Removal, UnsavedBackfill } from "./domain/backfill.js"
import { ServiceUnavailable } from "./domain/errors.js"
import type { BackfillId, TeamId, TransferId } from "./domain/ids.js"
import { type BackfillStatus, IllegalTransition } from "./domain/status.js"
import { Transfer } from "./domain/transfer.js"
import { UnknownBackfill } from "./domain/workerErrors.js"
import {
  type BackfillPageResponse,
  type CancelBackfillRequest,
  type GetBackfillRequest,
  type HostRequest,
  handleCancelBackfill,
  handleGetBackfill,
  handleLatestBackfill,
  handleListIncompleteBackfills,
  handleScheduleBackfill,
  type LatestBackfillRequest,
  type ListBackfillsRequest,
  type ScheduleBackfillRequest
} from "./http/handlers.js"
import { layerPageCursors } from "./http/pageCursor.js"
import type { HttpResponse } from "./http/response.js"
import { Authenticator } from "./ports/authenticator.js"
import { ActiveRangeOverlap, BackfillRepository, type PageQuery } from "./ports/backfillRepository.js"
import { TransferLookup } from "./ports/transferLookup.js"

/** The caller behind a token, with ids as bigints; `undefined` refuses the token. */
export interface PlainPrincipal {
  readonly userId: bigint
  readonly teamIds: ReadonlyArray<bigint>
  readonly scopes: ReadonlyArray<string>
  readonly permissions: ReadonlyArray<string>
}

export interface PlainTransfer {
  readonly id: bigint
  readonly teamId: bigint
  /** An IANA time zone; `UTC` when left out. */
  readonly timeZone?: string
}

/** The part of the backfill store the API operations use, as plain async functions. */
export interface PromiseBackfillRepository {
  /** Stores and returns the backfill with its id, or returns the active backfill it overlaps. */
  readonly insertUnlessOverlapping: (
    teamId: TeamId,
    backfill: UnsavedBackfill
  ) => Promise<{ readonly inserted: Backfill } | { readonly conflicting: Backfill }>
  readonly findForTeam: (teamId: TeamId, id: BackfillId) => Promise<Backfill | undefined>
  readonly latestForTransfer: (transferId: TransferId) => Promise<Backfill | undefined>
  readonly listForTeam: (teamId: TeamId, query: PageQuery) => Promise<ReadonlyArray<Backfill>>
  /**
   * Cancels the backfill atomically (see `Lifecycle.cancel`), or says the status that
   * prevented it; `undefined` when there is no such backfill.
   */
  readonly cancel: (
    id: BackfillId,
    removal: Removal
  ) => Promise<{ readonly cancelled: Backfill } | { readonly refusedFrom: BackfillStatus } | undefined>
}

export interface PromiseApiOptions {
  readonly authenticate: (token: string) => Promise<PlainPrincipal | undefined>
  /**
   * The transfer, or `undefined`. It may answer `undefined` for another team's transfer
   * too, and should look it up by both ids so that both cases take the same time: the
   * library answers both with the same 404 anyway.
   */
  readonly findTransfer: (transferId: bigint, teamId: bigint) => Promise<PlainTransfer | undefined>
  /** The store; the library's in-memory one when left out (for demos and tests). */
  readonly repository?: PromiseBackfillRepository
  /** Signs page cursors; every server of a deployment must share it. */
  readonly cursorSecret: string
}

export interface PromiseApi {
  readonly scheduleBackfill: (request: ScheduleBackfillRequest & HostRequest) => Promise<HttpResponse>
  readonly getBackfill: (request: GetBackfillRequest & HostRequest) => Promise<HttpResponse>
  readonly latestBackfill: (request: LatestBackfillRequest & HostRequest) => Promise<HttpResponse>
  /** The page; its `nextCursor` is also offered in the `link` header. */
  readonly listIncompleteBackfills: (request: ListBackfillsRequest & HostRequest) => Promise<BackfillPageResponse>
  readonly cancelBackfill: (request: CancelBackfillRequest & HostRequest) => Promise<HttpResponse>
  /** Releases what the API holds (the in-memory store, the cursor key). */
  readonly dispose: () => Promise<void>
}

/** A promise the port could not keep: the database or service behind it is unavailable. */
const port = <A>(call: () => Promise<A>) =>
  Effect.tryPromise({ try: call, catch: (cause) => new ServiceUnavailable({ cause }) })

const decodePrincipal = Schema.decodeUnknownSync(Principal)
const decodeTransfer = Schema.decodeUnknownSync(Transfer)

const layerPromisePorts = (options: PromiseApiOptions) =>
  Layer.mergeAll(
    Layer.succeed(Authenticator, {
      authenticate: (token) =>
        Effect.map(
          port(() => options.authenticate(token)),
          (found) => Option.map(Option.fromNullable(found), decodePrincipal)
        )
    }),
    Layer.succeed(TransferLookup, {
      findTeamTransfer: ({ teamId }, transferId) =>
        Effect.map(
          port(() => options.findTransfer(transferId, teamId)),
          (found) =>
            Option.map(Option.fromNullable(found), (transfer) =>
              decodeTransfer({ id: transfer.id, teamId: transfer.teamId, timeZone: transfer.timeZone ?? "UTC" })
            )
        )
    }),
    layerPageCursors(options.cursorSecret)
  )

/** The API's port over a Promise repository: the evidence of access becomes the plain team id. */
const layerPromiseRepository = (repository: PromiseBackfillRepository) =>
  Layer.succeed(BackfillRepository, {
    insertUnlessOverlapping: ({ teamId }, backfill) =>
      Effect.flatMap(
        port(() => repository.insertUnlessOverlapping(teamId, backfill)),
        (outcome) =>
          "inserted" in outcome
            ? Effect.succeed(outcome.inserted)
            : Effect.fail(new ActiveRangeOverlap({ conflicting: outcome.conflicting }))
      ),
    findForTeam: ({ teamId }, id) =>
      Effect.map(
        port(() => repository.findForTeam(teamId, id)),
        Option.fromNullable
      ),
    // The operation has checked that the transfer is the team's before asking.
    latestForTransfer: (_, transferId) =>
      Effect.map(
        port(() => repository.latestForTransfer(transferId)),
        Option.fromNullable
      ),
    listForTeam: ({ teamId }, query) => port(() => repository.listForTeam(teamId, query)),
    cancel: ({ principal }, id, time) =>
      Effect.flatMap(
        port(() => repository.cancel(id, { time, userId: principal.userId })),
        (outcome): Effect.Effect<Backfill, UnknownBackfill | IllegalTransition> =>
          outcome === undefined
            ? Effect.fail(new UnknownBackfill({ backfillId: id }))
            : "cancelled" in outcome
              ? Effect.succeed(outcome.cancelled)
              : Effect.fail(new IllegalTransition({ from: outcome.refusedFrom, event: "Cancelled" }))
      )
  })

/** The five API operations over plain async ports. */
export const createPromiseApi = (options: PromiseApiOptions): PromiseApi => {
  const repository =
    options.repository === undefined ? layerMemoryBackfillRepository() : layerPromiseRepository(options.repository)
  const runtime = ManagedRuntime.make(Layer.merge(layerPromisePorts(options), repository))
  return {
    scheduleBackfill: (request) => runtime.runPromise(handleScheduleBackfill(request)),
    getBackfill: (request) => runtime.runPromise(handleGetBackfill(request)),
    latestBackfill: (request) => runtime.runPromise(handleLatestBackfill(request)),
    listIncompleteBackfills: (request) => runtime.runPromise(handleListIncompleteBackfills(request)),
    cancelBackfill: (request) => runtime.runPromise(handleCancelBackfill(request)),
    dispose: () => runtime.dispose()
  }
}
