/**
 * `POST /teams/{team_id}/transfers/{transfer_id}/backfills/preview`: what a create would do.
 */
import { Effect } from "effect"
import { previewBackfill } from "../../operations/previewBackfill.js"
import type { HostRequest } from "../caller.js"
import { PreviewEnvelope, ScheduleBody } from "../contract.js"
import type { Endpoint } from "../endpoint.js"
import { encodePreview } from "../preview.js"
import { respond } from "../response.js"
import { type ScheduleBackfillRequest, scheduleCommand } from "./scheduleCommand.js"

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
    Effect.flatMap(scheduleCommand(request), (command) => previewBackfill(command)),
    (preview) => ({ data: encodePreview(preview) }),
    request.requestId
  )

export const previewBackfillEndpoint = {
  name: "previewBackfill",
  method: "POST",
  path: "/teams/:team_id/transfers/:transfer_id/backfills/preview",
  paged: false,
  /** `handlePreviewBackfill`. */
  handle: handlePreviewBackfill,
  contract: {
    apiName: "preview",
    summary: "What a schedule would do now, writing nothing",
    payload: ScheduleBody,
    success: PreviewEnvelope,
    errors: [404, 422]
  }
} as const satisfies Endpoint<"previewBackfill", ScheduleBackfillRequest>
