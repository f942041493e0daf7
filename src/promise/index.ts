/**
 * `transfer-backfills/promise`: the API operations for hosts that do not use Effect. Give
 * the ports, as plain async functions or as Effect layers (the PostgreSQL ones, say), and
 * get back functions from request parts to `{ status, headers, body }`, exactly what the
 * Effect handlers answer.
 *
 * A port function that rejects means "cannot answer": the caller gets a 503. Every rule,
 * check order and error mapping is the library's, as for Effect hosts.
 *
 * @module transfer-backfills/promise
 */
import { Duration, Effect, Layer, Logger, ManagedRuntime, Option } from "effect"
import { ServiceUnavailable } from "../domain/errors.js"
import { IdempotencyKeyLifetime } from "../domain/idempotency.js"
import { BackfillPolicy, DEFAULT_POLICY } from "../domain/policy.js"
import type { HostRequest } from "../http/caller.js"
import type { ApiServices } from "../http/endpoint.js"
import { ENDPOINTS, type ENDPOINTS_BY_NAME } from "../http/endpoints.js"
import { layerPageCursors } from "../http/pageCursor.js"
import { type HttpResponse, respond } from "../http/response.js"
import { layerPlainLogger, logLevelOf } from "./logging.js"
import {
  type LooseOptions,
  type PromiseApiOptions,
  type PromiseApiSettings,
  type PromisePorts,
  validated
} from "./options.js"
import { layerPromisePorts } from "./ports.js"

export { exceedsHeaderLimit, MAX_REQUEST_HEADERS, tooManyHeadersAnswer } from "./headerLimit.js"
export type { PlainLogEntry, PlainLogLevel } from "./logging.js"
export {
  type LayerPorts,
  type PlainPolicy,
  type PromiseApiOptions,
  PromiseApiOptionsError,
  type PromiseApiSettings,
  type PromisePorts
} from "./options.js"
export type {
  PlainBackfill,
  PlainDayRun,
  PlainId,
  PlainPrincipal,
  PlainTransfer,
  PlainUnsavedBackfill
} from "./plain.js"
export type {
  PlainChange,
  PlainIdempotentRequest,
  PlainKeyAnswer,
  PlainPageQuery,
  PlainRunPageQuery,
  PromiseBackfillRepository
} from "./repository.js"
export { layerPromiseBackfillRepository } from "./repositoryLayer.js"

/**
 * The API's endpoints as async functions of request parts. They never reject: every
 * failure is an answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseApi extends PromiseEndpoints {
  /** Releases what the API holds: the ports' layer (a connection pool, say), the in-memory store. */
  readonly dispose: () => Promise<void>
}

/**
 * One async function per endpoint of the endpoint table (`ENDPOINTS`), named after it
 * (`scheduleBackfill`, `getBackfill`, …), taking the request parts its handler takes and
 * answering what it answers; the listings' answers carry `nextCursor` too.
 *
 * @since 0.2.0
 * @category models
 */
export type PromiseEndpoints = {
  readonly [Name in keyof typeof ENDPOINTS_BY_NAME]: (
    request: Parameters<(typeof ENDPOINTS_BY_NAME)[Name]["handle"]>[0]
  ) => Promise<Effect.Effect.Success<ReturnType<(typeof ENDPOINTS_BY_NAME)[Name]["handle"]>>>
}

/**
 * The API's endpoints over plain async ports or Effect layers, with one runtime for
 * the API's life: create it at start, `dispose` it at shutdown. Throws
 * `PromiseApiOptionsError` for options it cannot work with.
 *
 * @example
 * ```ts
 * import { createPromiseApi } from "transfer-backfills/promise"
 *
 * const api = createPromiseApi({
 *   authenticate: async (token) =>
 *     token === "demo-admin"
 *       ? { userId: "789", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }
 *       : null,
 *   findTeamTransfer: async (teamId, transferId) =>
 *     transferId === "456789" && teamId === "1" ? { id: transferId, teamId, timeZone: "UTC" } : null,
 *   cursorSecret: process.env.CURSOR_SECRET ?? "",
 *   logger: (entry) => console.log(entry.level, entry.message, entry.annotations)
 * })
 * const response = await api.scheduleBackfill({
 *   authorization: "Bearer demo-admin",
 *   path: { team_id: "1", transfer_id: "456789" },
 *   body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
 * })
 * // response: { status: 200, headers: { "content-type": "application/json", … }, body: "{…}" }
 * await api.dispose()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const createPromiseApi = (givenOptions: PromiseApiOptions): PromiseApi => {
  const options: LooseOptions = givenOptions
  const policy = validated(options)
  const ports =
    options.layer !== undefined ? options.layer : layerPromisePorts(givenOptions as PromiseApiSettings & PromisePorts)
  const logging = Layer.merge(
    options.logger === undefined ? Layer.empty : layerPlainLogger(options.logger),
    Logger.minimumLogLevel(logLevelOf(options.minimumLogLevel ?? "INFO"))
  )
  const services = Layer.mergeAll(
    ports,
    layerPageCursors(options.cursorSecret),
    Layer.succeed(BackfillPolicy, {
      maxRangeDays: policy.maxRangeDays ?? DEFAULT_POLICY.maxRangeDays,
      earliestDate: Option.fromNullable(policy.earliestDate)
    }),
    options.idempotencyKeyLifetimeMillis === undefined
      ? Layer.empty
      : Layer.succeed(IdempotencyKeyLifetime, Duration.millis(options.idempotencyKeyLifetimeMillis)),
    logging
  )
  let runtime = ManagedRuntime.make(services)
  /**
   * A handler never fails, so a rejection is the services' layer failing to build: that
   * request gets a 503, and the next one builds the layer afresh.
   */
  const answer = <Response extends HttpResponse>(
    handled: Effect.Effect<Response, never, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>,
    requestId: string | undefined,
    unanswered: (response: HttpResponse) => Response
  ): Promise<Response> => {
    const current = runtime
    return current.runPromise(handled).catch(async (cause: unknown) => {
      if (runtime === current) runtime = ManagedRuntime.make(services)
      void current.dispose().catch(() => undefined)
      const unavailable = respond(Effect.fail(new ServiceUnavailable({ cause })), () => ({ data: null }), requestId)
      return unanswered(await Effect.runPromise(Effect.provide(unavailable, logging)))
    })
  }
  const asIs = (response: HttpResponse) => response
  const withoutCursor = (response: HttpResponse) => ({ ...response, nextCursor: null })
  const endpoints = Object.fromEntries(
    ENDPOINTS.map((endpoint) => [
      endpoint.name,
      // Each method is typed by `PromiseEndpoints` to take its own endpoint's request.
      (request: HostRequest) =>
        answer(
          (endpoint.handle as (request: HostRequest) => Effect.Effect<HttpResponse, never, ApiServices>)(request),
          request.requestId,
          endpoint.paged ? withoutCursor : asIs
        )
    ])
  ) as unknown as PromiseEndpoints
  return { ...endpoints, dispose: () => runtime.dispose() }
}
