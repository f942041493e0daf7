/**
 * `POST /teams/{team_id}/transfers/{transfer_id}/backfills`: schedules a backfill.
 */
import { Effect } from "effect"
import { scheduleBackfill } from "../../operations/scheduleBackfill.js"
import { type HostRequest, oneBackfill } from "../caller.js"
import { BackfillEnvelope, ScheduleBody } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { respond } from "../response.js"
import { type ScheduleBackfillRequest, scheduleCommand } from "./scheduleCommand.js"

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
  Effect.flatMap(scheduleCommand(request), (command) => scheduleBackfill(command))

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

export const scheduleBackfillEndpoint = {
  name: "scheduleBackfill",
  method: "POST",
  path: "/teams/:team_id/transfers/:transfer_id/backfills",
  paged: false,
  /** `handleScheduleBackfill`. */
  handle: handleScheduleBackfill,
  contract: {
    apiName: "schedule",
    summary: "Schedule a backfill",
    payload: ScheduleBody,
    success: BackfillEnvelope,
    errors: [404, 422, 409],
    idempotent: true
  }
} as const satisfies Endpoint<"scheduleBackfill", ScheduleBackfillRequest>
