/**
 * The operations over HTTP: what a host's route handler calls. Each takes the raw request
 * parts plus an optional host request id, does SPEC §3's steps that belong to the
 * transport (1: who calls, from the bearer token; 2: the ids, from the path; 7: the
 * body's shape, read when the operation asks for it, after step 6), runs the operation
 * and always yields a response.
 */
import { Effect, Either, Option, Ref, Schema } from "effect"
import type { Principal } from "../domain/access.js"
import { type Backfill, encodeBackfill } from "../domain/backfill.js"
import { type ServiceUnavailable, Unauthorized } from "../domain/errors.js"
import { BackfillId, TeamId, TransferId } from "../domain/ids.js"
import { cancelBackfill } from "../operations/cancelBackfill.js"
import { getBackfill } from "../operations/getBackfill.js"
import { latestBackfill } from "../operations/latestBackfill.js"
import { listBackfillRuns, type RunPage } from "../operations/listBackfillRuns.js"
import { type BackfillPage, listIncompleteBackfills } from "../operations/listIncompleteBackfills.js"
import { previewBackfill } from "../operations/previewBackfill.js"
import { retryBackfill } from "../operations/retryBackfill.js"
import { scheduleBackfill } from "../operations/scheduleBackfill.js"
import { traced } from "../operations/spans.js"
import { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import type { HttpError } from "./errors.js"
import { requestedPage, requestedRunPage } from "./listQuery.js"
import { PageCursors } from "./pageCursor.js"
import { encodePreview } from "./preview.js"
import {
  bearerToken,
  decodeIdempotencyKeyHeader,
  decodeObjectBody,
  decodePathParam,
  type PathParams,
  type QueryParams,
  queryValues,
  type RequestBody
} from "./request.js"
import { type HttpResponse, respond, type SuccessBody } from "./response.js"
import { encodeDayRun, RunStatus, runStateOf } from "./runs.js"

/**
 * What a host may add to any request: the request id it already uses, which the response
 * echoes in `X-Request-Id` and the library's log lines carry.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface HostRequest {
  /** The request id the host already uses (e.g. from `X-Request-Id`); replaced when malformed. */
  readonly requestId?: string | undefined
}

interface Caller {
  /** The `Authorization` header value, if the request had one. */
  readonly authorization: string | undefined
}

interface IdempotentCaller {
  /**
   * The `Idempotency-Key` header value, if the request had one: the same key with the same
   * request replays the first answer (see docs/idempotency.md).
   */
  readonly idempotencyKey?: string | undefined
}

/**
 * The parts of a `POST /teams/{team_id}/transfers/{transfer_id}/backfills` request that
 * `handleScheduleBackfill` reads: the `Authorization` header, the path parameters and the
 * body.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface ScheduleBackfillRequest extends Caller, IdempotentCaller {
  /** Raw path parameters: `team_id` and `transfer_id`. */
  readonly path: PathParams<"team_id" | "transfer_id">
  /** The raw body (text or bytes), or the JSON value a framework already parsed. */
  readonly body: RequestBody
}

/**
 * The parts of a `GET /teams/{team_id}/backfills/{backfill_id}` request that
 * `handleGetBackfill` reads: the `Authorization` header and the path parameters.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface GetBackfillRequest extends Caller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
}

/**
 * The parts of a `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest` request that
 * `handleLatestBackfill` reads: the `Authorization` header and the path parameters.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface LatestBackfillRequest extends Caller {
  /** `team_id` and `transfer_id`. */
  readonly path: PathParams<"team_id" | "transfer_id">
}

/**
 * The parts of a `GET /teams/{team_id}/backfills` request that
 * `handleListIncompleteBackfills` reads: the `Authorization` header, the path parameters and
 * the query.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface ListBackfillsRequest extends Caller {
  /** `team_id`. */
  readonly path: PathParams<"team_id">
  /** Optional `status` (comma-separated or repeated), `limit` (1–100) and `cursor`. */
  readonly query: QueryParams
}

/**
 * The parts of a `PATCH /teams/{team_id}/backfills/{backfill_id}` request that
 * `handleCancelBackfill` reads: the `Authorization` header, the path parameters and the
 * body.
 *
 * @since 0.1.0
 * @category handlers
 */
export interface CancelBackfillRequest extends Caller, IdempotentCaller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** Exactly `{"status":"CANCELLED"}`. */
  readonly body: RequestBody
}

/**
 * `POST /teams/{team_id}/backfills/{backfill_id}/retry`, as the host received it.
 *
 * @since 0.2.0
 * @category requests
 */
export interface RetryBackfillRequest extends Caller, IdempotentCaller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** `{"days": ["YYYY-MM-DD", …]}`, `{}`, or none at all (`undefined` or empty): every failed day. */
  readonly body?: RequestBody
}

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/runs`, as the host received it.
 *
 * @since 0.2.0
 * @category requests
 */
export interface ListBackfillRunsRequest extends Caller {
  /** `team_id` and `backfill_id`. */
  readonly path: PathParams<"team_id" | "backfill_id">
  /** Optional `status` (run statuses, comma-separated or repeated), `limit` (1–100) and `cursor`. */
  readonly query: QueryParams
}

/**
 * The caller behind an `Authorization` header value (SPEC §3 step 1), for hosts that run the
 * operations themselves: `Unauthorized` without a `Bearer` token or for a token the
 * `Authenticator` does not accept, `ServiceUnavailable` when it cannot answer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { authenticate, BackfillId, getBackfill, TeamId } from "transfer-backfills"
 *
 * const program = Effect.gen(function* () {
 *   const principal = yield* authenticate("Bearer demo-admin") // Unauthorized unless the Authenticator accepts it
 *   return yield* getBackfill({ principal, teamId: TeamId.make(1n), backfillId: BackfillId.make(42n) })
 * })
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const authenticate = (
  authorization: string | undefined
): Effect.Effect<Principal, Unauthorized | ServiceUnavailable, Authenticator> =>
  Effect.gen(function* () {
    const token = bearerToken(authorization)
    if (token === undefined) {
      return yield* new Unauthorized({ description: "Send an Authorization header of the form: Bearer <token>." })
    }
    const authenticator = yield* Authenticator
    const principal = yield* authenticator.authenticate(token).pipe(traced("Authenticator.authenticate"))
    return yield* Option.match(principal, {
      onNone: () => Effect.fail(new Unauthorized({ description: "The bearer token is not valid." })),
      onSome: Effect.succeed
    })
  })

/** SPEC §3 step 2: the ids of the path, in order, each a canonical decimal or a 400 naming it. */
const teamId = (path: PathParams<"team_id">) => Effect.suspend(() => decodePathParam(path, "team_id", TeamId))
const transferId = (path: PathParams<"transfer_id">) =>
  Effect.suspend(() => decodePathParam(path, "transfer_id", TransferId))
const backfillId = (path: PathParams<"backfill_id">) =>
  Effect.suspend(() => decodePathParam(path, "backfill_id", BackfillId))

const decodeScheduleBody = decodeObjectBody(Schema.Struct({ range_start: Schema.String, range_end: Schema.String }), {
  range_start: "must be a string",
  range_end: "must be a string"
})

const decodeRetryBody = decodeObjectBody(
  Schema.Struct({ days: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }) }),
  { days: "must be an array of date strings" }
)

/** No body, or an empty one, asks for what `{}` asks for: every failed day. */
const isEmptyBody = (body: RequestBody) =>
  body === undefined ||
  (typeof body === "string" && body.trim() === "") ||
  (body instanceof Uint8Array && body.length === 0)

/** The key header, read when the operation asks for it (after the request's other checks). */
const idempotencyKey = (request: IdempotentCaller) =>
  request.idempotencyKey === undefined
    ? undefined
    : Effect.suspend(() => decodeIdempotencyKeyHeader(request.idempotencyKey))

const decodeCancelBody = decodeObjectBody(Schema.Struct({ status: Schema.Literal("CANCELLED") }), {
  status: 'must be "CANCELLED"'
})

const oneBackfill = (backfill: Backfill): SuccessBody => ({ data: encodeBackfill(backfill) })

/**
 * A listing's response: also the cursor of the next page, which its `link` header carries,
 * for hosts that offer it in a shape of their own.
 *
 * @since 0.2.0
 * @category models
 */
export interface BackfillPageResponse extends HttpResponse {
  /** The signed cursor of the next page; `null` on the last page and on every error. */
  readonly nextCursor: string | null
}

/**
 * The answer of `GET …/backfills/{backfill_id}/runs`: the response, and the signed cursor
 * of the next page (`null` on the last page and on every error).
 *
 * @since 0.2.0
 * @category responses
 */
export type RunPageResponse = BackfillPageResponse

interface WithCursor {
  readonly nextCursor: Option.Option<string>
}

interface PageWithCursor extends BackfillPage, WithCursor {}

/**
 * The next page's address as an RFC 8288 link: a query-only relative reference (RFC 3986
 * §5.2.2), so it resolves against whatever path the host mounted the listing at. It
 * repeats the filter and size the request gave, which the cursor must be used with.
 */
const nextPageLink = (query: QueryParams, statuses: string | undefined, limit: number | undefined, cursor: string) => {
  // Statuses, digits and a base64url cursor need no percent-encoding in a query.
  const parameters = [
    statuses !== undefined && queryValues(query, "status").length > 0 ? `status=${statuses}` : [],
    limit !== undefined && query.limit !== undefined ? `limit=${limit}` : [],
    `cursor=${cursor}`
  ].flat()
  return `<?${parameters.join("&")}>; rel="next"`
}

/** `data` and, when there is a next page, the `link` header that offers it. */
const pageBody = (data: unknown, link: Option.Option<string>): SuccessBody => ({
  data,
  ...Option.match(link, { onNone: () => ({}), onSome: (next) => ({ headers: { link: next } }) })
})

/** A listing's response with its next cursor beside it, for callers that page without parsing `link`. */
const respondWithCursor = <A extends WithCursor, E extends HttpError, R>(
  listing: Effect.Effect<A, E, R>,
  encode: (page: A) => SuccessBody,
  requestId: string | undefined
): Effect.Effect<BackfillPageResponse, never, R> =>
  Effect.gen(function* () {
    const nextCursor = yield* Ref.make<string | null>(null)
    const response = yield* respond(
      Effect.tap(listing, (page) => Ref.set(nextCursor, Option.getOrNull(page.nextCursor))),
      encode,
      requestId
    )
    return { ...response, nextCursor: yield* Ref.get(nextCursor) }
  })

/** `data` is the page, as SPEC's envelope has it; the next page is offered in a `link` header. */
const backfillPage =
  (query: QueryParams) =>
  (page: PageWithCursor): SuccessBody => {
    const request = Option.getOrUndefined(page.next)
    return pageBody(
      page.backfills.map((backfill) => encodeBackfill(backfill)),
      Option.map(page.nextCursor, (cursor) => nextPageLink(query, request?.statuses.join(","), request?.limit, cursor))
    )
  }

/**
 * SPEC §3 steps 1 and 2 of a create or a preview (the caller, the ids of the path), and
 * the body's reading for step 7, which the operation runs after step 6.
 */
const scheduleCommand = (request: ScheduleBackfillRequest) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const team = yield* teamId(request.path)
    const transfer = yield* transferId(request.path)
    return {
      principal,
      teamId: team,
      transferId: transfer,
      range: Effect.suspend(() => decodeScheduleBody(request.body)),
      idempotencyKey: idempotencyKey(request)
    }
  })

/**
 * The schedule operation for a raw request, in SPEC §3's order: for hosts that map the
 * outcome to a response of their own (`handleScheduleBackfill` writes SPEC's).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { describeHttpError, scheduleBackfillRequest } from "transfer-backfills"
 *
 * // A GraphQL resolver, say, that answers in a shape of its own
 * const outcome = scheduleBackfillRequest({
 *   authorization: "Bearer demo-admin",
 *   path: { team_id: "1", transfer_id: "456789" },
 *   body: { range_start: "2024-01-01", range_end: "2024-01-31" } // a parsed JSON value is taken as is
 * }).pipe(
 *   Effect.map((backfill) => ({ id: String(backfill.id), status: backfill.status })),
 *   Effect.catchAll((error) => Effect.succeed({ error: describeHttpError(error).code }))
 * )
 * // Effect<…, never, Authenticator | TransferLookup | BackfillRepository>
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const scheduleBackfillRequest = (request: ScheduleBackfillRequest) =>
  Effect.flatMap(scheduleCommand(request), scheduleBackfill)

/**
 * `POST /teams/{team_id}/transfers/{transfer_id}/backfills/preview`: what the same body
 * would do as a create, now, writing nothing. Its errors are a create's, checked in the
 * same order; an overlap is not an error but the preview's `conflicts`. Never fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { handlePreviewBackfill } from "transfer-backfills"
 *
 * const response = handlePreviewBackfill({
 *   authorization: "Bearer demo-admin",
 *   path: { team_id: "1", transfer_id: "456789" },
 *   body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
 * })
 * // Effect<HttpResponse>: 200 with { transfer_runs_total: 31, first_run_dates: ["2024-01-31", …], conflicts: […] }
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const handlePreviewBackfill = (request: ScheduleBackfillRequest & HostRequest) =>
  respond(
    Effect.flatMap(scheduleCommand(request), previewBackfill),
    (preview) => ({ data: encodePreview(preview) }),
    request.requestId
  )

/**
 * `POST /teams/{team_id}/transfers/{transfer_id}/backfills`: schedules a backfill of the
 * transfer and answers with it, or with the SPEC §5 envelope of the first check that fails.
 * Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { Layer, ManagedRuntime } from "effect"
 * import { handleScheduleBackfill, layerPageCursors, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
 * import {
 *   layerMemoryBackfillRepository,
 *   layerMemoryTransferLookup,
 *   layerStaticTokens
 * } from "transfer-backfills/memory"
 *
 * const runtime = ManagedRuntime.make(
 *   Layer.mergeAll(
 *     layerStaticTokens({
 *       "demo-admin": {
 *         userId: UserId.make(789n),
 *         teamIds: [TeamId.make(1n)],
 *         scopes: ["dwh_transfers_write"],
 *         permissions: ["dwh.transfer.edit"]
 *       }
 *     }),
 *     layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
 *     layerMemoryBackfillRepository(),
 *     layerPageCursors(process.env.CURSOR_SECRET ?? "")
 *   )
 * )
 *
 * // POST /teams/1/transfers/456789/backfills, as a router hands it over
 * const response = await runtime.runPromise(
 *   handleScheduleBackfill({
 *     authorization: "Bearer demo-admin",
 *     path: { team_id: "1", transfer_id: "456789" },
 *     body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}', // raw text or bytes, or parsed JSON
 *     requestId: "req-0000000001" // optional: the host's X-Request-Id
 *   })
 * )
 * // response.status: 200; response.body: '{"meta":{"request_id":"req-0000000001"},"data":{"id":1,…}}'
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleScheduleBackfill = (request: ScheduleBackfillRequest & HostRequest) =>
  respond(scheduleBackfillRequest(request), oneBackfill, request.requestId)

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}`: answers with the team's backfill, or with
 * its SPEC §5 error envelope (404 for a backfill of another team). Never fails: every
 * outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleGetBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills/42
 * const response = await runtime.runPromise(
 *   handleGetBackfill({ authorization: "Bearer demo-admin", path: { team_id: "1", backfill_id: "42" } })
 * )
 * // { status: 200, headers: { "content-type": "application/json", "x-request-id": … }, body: '{"meta":…,"data":…}' }
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleGetBackfill = (request: GetBackfillRequest & HostRequest) =>
  respond(
    Effect.gen(function* () {
      const principal = yield* authenticate(request.authorization)
      const team = yield* teamId(request.path)
      const backfill = yield* backfillId(request.path)
      return yield* getBackfill({ principal, teamId: team, backfillId: backfill })
    }),
    oneBackfill,
    request.requestId
  )

/**
 * `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest`: answers with the
 * transfer's newest backfill in any status, or with a SPEC §5 error envelope (404 when it
 * has none). Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleLatestBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/transfers/456789/backfills/latest
 * const response = await runtime.runPromise(
 *   handleLatestBackfill({ authorization: "Bearer demo-admin", path: { team_id: "1", transfer_id: "456789" } })
 * )
 * // 200 with the newest backfill, or 404 NOT_FOUND when the transfer has none
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleLatestBackfill = (request: LatestBackfillRequest & HostRequest) =>
  respond(
    Effect.gen(function* () {
      const principal = yield* authenticate(request.authorization)
      const team = yield* teamId(request.path)
      const transfer = yield* transferId(request.path)
      return yield* latestBackfill({ principal, teamId: team, transferId: transfer })
    }),
    oneBackfill,
    request.requestId
  )

const listing = (request: ListBackfillsRequest) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const team = yield* teamId(request.path)
    const page = yield* listIncompleteBackfills({ principal, teamId: team, page: requestedPage(request.query, team) })
    const cursors = yield* PageCursors
    const nextCursor = yield* Effect.transposeMapOption(page.next, (next) =>
      Effect.flatMap(Effect.fromNullable(Option.getOrUndefined(next.after)), (before) =>
        cursors.encode({ teamId: team, statuses: next.statuses, before })
      ).pipe(Effect.orDie)
    )
    return { ...page, nextCursor }
  })

/**
 * `GET /teams/{team_id}/backfills`: answers with a page of the team's backfills, newest
 * first (the incomplete ones unless `status` says otherwise), and offers the next page in a
 * `link` header and in `nextCursor`. Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleListIncompleteBackfills } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills?status=RUNNING,FAILED&limit=20
 * const page = await runtime.runPromise(
 *   handleListIncompleteBackfills({
 *     authorization: "Bearer demo-admin",
 *     path: { team_id: "1" },
 *     query: { status: "RUNNING,FAILED", limit: "20" }
 *   })
 * )
 * // page.nextCursor: the next page's cursor, null on the last page; page.headers.link offers it as
 * // '<?status=RUNNING,FAILED&limit=20&cursor=…>; rel="next"'
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleListIncompleteBackfills = (
  request: ListBackfillsRequest & HostRequest
): Effect.Effect<BackfillPageResponse, never, Authenticator | BackfillRepository | PageCursors> =>
  respondWithCursor(listing(request), backfillPage(request.query), request.requestId)

/**
 * `PATCH /teams/{team_id}/backfills/{backfill_id}` with `{"status":"CANCELLED"}`: cancels the
 * team's backfill and answers with it, or with its SPEC §5 error envelope. Never fails:
 * every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleCancelBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // PATCH /teams/1/backfills/42
 * const response = await runtime.runPromise(
 *   handleCancelBackfill({
 *     authorization: "Bearer demo-admin",
 *     path: { team_id: "1", backfill_id: "42" },
 *     body: '{"status":"CANCELLED"}'
 *   })
 * )
 * // 200 with the CANCELLED backfill, or 422 for one that is already COMPLETED or CANCELLED
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const handleCancelBackfill = (request: CancelBackfillRequest & HostRequest) =>
  respond(
    Effect.gen(function* () {
      const principal = yield* authenticate(request.authorization)
      const team = yield* teamId(request.path)
      const backfill = yield* backfillId(request.path)
      return yield* cancelBackfill({
        principal,
        teamId: team,
        backfillId: backfill,
        confirmation: Effect.asVoid(Effect.suspend(() => decodeCancelBody(request.body))),
        idempotencyKey: idempotencyKey(request)
      })
    }),
    oneBackfill,
    request.requestId
  )

/**
 * `POST /teams/{team_id}/backfills/{backfill_id}/retry`, body `{"days": [...]}` or none:
 * retries failed days of the team's backfill in place (`retryBackfill`) and answers with
 * the backfill, or with its SPEC §5 error envelope. Never fails: every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleRetryBackfill } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * const response = await runtime.runPromise(
 *   handleRetryBackfill({
 *     authorization: "Bearer demo-admin",
 *     idempotencyKey: '"retry-42-2024-01-07"',
 *     path: { team_id: "1", backfill_id: "42" },
 *     body: '{"days":["2024-01-07"]}'
 *   })
 * )
 * // response.status: 200 with the SCHEDULED backfill; 422 naming days that have not failed
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const handleRetryBackfill = (request: RetryBackfillRequest & HostRequest) =>
  respond(
    Effect.gen(function* () {
      const principal = yield* authenticate(request.authorization)
      const team = yield* teamId(request.path)
      const backfill = yield* backfillId(request.path)
      return yield* retryBackfill({
        principal,
        teamId: team,
        backfillId: backfill,
        retry: Effect.suspend(() => (isEmptyBody(request.body) ? Either.right({}) : decodeRetryBody(request.body))),
        idempotencyKey: idempotencyKey(request)
      })
    }),
    oneBackfill,
    request.requestId
  )

const runListing = (request: ListBackfillRunsRequest) =>
  Effect.gen(function* () {
    const principal = yield* authenticate(request.authorization)
    const team = yield* teamId(request.path)
    const backfill = yield* backfillId(request.path)
    const page = yield* listBackfillRuns({
      principal,
      teamId: team,
      backfillId: backfill,
      page: requestedRunPage(request.query, team, backfill)
    })
    const cursors = yield* PageCursors
    const nextCursor = yield* Effect.transposeMapOption(page.next, (next) =>
      Effect.flatMap(Effect.fromNullable(Option.getOrUndefined(next.after)), (before) =>
        cursors.encodeRuns({ teamId: team, backfillId: backfill, states: next.states, before })
      ).pipe(Effect.orDie)
    )
    return { ...page, nextCursor }
  })

/** The ledger page; the next page is offered in a `link` header. */
const runPage =
  (query: QueryParams) =>
  (page: RunPage & WithCursor): SuccessBody => {
    const request = Option.getOrUndefined(page.next)
    return pageBody(
      page.runs.map(encodeDayRun),
      Option.map(page.nextCursor, (cursor) =>
        nextPageLink(
          query,
          request && RunStatus.literals.filter((status) => request.states.includes(runStateOf(status))).join(","),
          request?.limit,
          cursor
        )
      )
    )
  }

/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/runs`: answers with a page of the backfill's
 * ledger, one entry per day's run, latest day first (every run unless `status` filters
 * them), and offers the next page in a `link` header and in `nextCursor`. Never fails:
 * every outcome is a response.
 *
 * @example
 * ```ts
 * import { type Layer, ManagedRuntime } from "effect"
 * import { type ApiServices, handleListBackfillRuns } from "transfer-backfills"
 *
 * declare const ports: Layer.Layer<ApiServices> // your Authenticator, TransferLookup, BackfillRepository, PageCursors
 * const runtime = ManagedRuntime.make(ports)
 *
 * // GET /teams/1/backfills/42/runs?status=failed
 * const page = await runtime.runPromise(
 *   handleListBackfillRuns({ authorization: "Bearer demo-admin", path: { team_id: "1", backfill_id: "42" }, query: { status: "failed" } })
 * )
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const handleListBackfillRuns = (
  request: ListBackfillRunsRequest & HostRequest
): Effect.Effect<RunPageResponse, never, Authenticator | BackfillRepository | PageCursors> =>
  respondWithCursor(runListing(request), runPage(request.query), request.requestId)
