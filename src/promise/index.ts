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
import type { Effect } from "effect"
import { makeRebuildingRunner } from "../handlers/answerer.js"
import type { HostRequest } from "../http/caller.js"
import type { ApiServices } from "../http/endpoint.js"
import { ENDPOINTS, type ENDPOINTS_BY_NAME } from "../http/endpoints.js"
import type { HttpResponse } from "../http/response.js"
import type { PromiseApiOptions } from "./options.js"
import { promiseServices } from "./services.js"

export type { HandlerOptions } from "../handlers/answerer.js"
export type { NodeHandler } from "../handlers/node.js"
export type { NodeRequestEnv, WebHandler } from "../handlers/web.js"
export { toNodeHandler, toWebHandler } from "./handlers.js"
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
  PlainUnsavedBackfill
} from "./plain.js"
export type { PlainPrincipal, PlainTransfer } from "./plainPorts.js"
export type {
  PlainChange,
  PlainIdempotentRequest,
  PlainKeyAnswer,
  PlainPageQuery,
  PlainProcessing,
  PlainRunPageQuery,
  PromiseBackfillRepository
} from "./repository.js"
export { layerPromiseBackfillRepository } from "./repositoryLayer.js"
export {
  createPromiseWorker,
  type PlainStartedRun,
  type PlainWorkerHealth,
  type PromiseWorker,
  type PromiseWorkerOptions
} from "./worker.js"

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
export const createPromiseApi = (options: PromiseApiOptions): PromiseApi => {
  const { services, logging } = promiseServices(options)
  const runner = makeRebuildingRunner(services, logging)
  const asIs = (response: HttpResponse) => response
  const withoutCursor = (response: HttpResponse) => ({ ...response, nextCursor: null })
  const endpoints = Object.fromEntries(
    ENDPOINTS.map((endpoint) => [
      endpoint.name,
      // Each method is typed by `PromiseEndpoints` to take its own endpoint's request.
      (request: HostRequest) =>
        runner.run(
          (endpoint.handle as (request: HostRequest) => Effect.Effect<HttpResponse, never, ApiServices>)(request),
          request.requestId,
          endpoint.paged ? withoutCursor : asIs
        )
    ])
  ) as unknown as PromiseEndpoints
  return { ...endpoints, dispose: runner.dispose }
}
