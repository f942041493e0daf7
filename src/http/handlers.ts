/**
 * Operations wired to HTTP responses: what a host's route handler calls. Each takes the
 * raw request parts plus an optional host request id and always yields a response.
 */
import { Option } from "effect"
import { type Backfill, encodeBackfill } from "../domain/backfill.js"
import { type CancelBackfillRequest, cancelBackfill } from "../operations/cancelBackfill.js"
import { type GetBackfillRequest, getBackfill } from "../operations/getBackfill.js"
import { type LatestBackfillRequest, latestBackfill } from "../operations/latestBackfill.js"
import {
  type BackfillPage,
  type ListBackfillsRequest,
  listIncompleteBackfills
} from "../operations/listIncompleteBackfills.js"
import { type ScheduleBackfillRequest, scheduleBackfill } from "../operations/scheduleBackfill.js"
import { respond, type SuccessBody } from "./response.js"

export interface HostRequest {
  /** The request id the host already uses (e.g. from `X-Request-Id`); replaced when malformed. */
  readonly requestId?: string
}

const oneBackfill = (backfill: Backfill): SuccessBody => ({ data: encodeBackfill(backfill) })

/** `data` is the page; `meta.next_cursor` is where the next one starts, `null` on the last. */
const backfillPage = (page: BackfillPage): SuccessBody => ({
  data: page.backfills.map((backfill) => encodeBackfill(backfill)),
  meta: { next_cursor: Option.getOrNull(page.nextCursor) }
})

/** `POST /teams/{team_id}/transfers/{transfer_id}/backfills` */
export const handleScheduleBackfill = (request: ScheduleBackfillRequest & HostRequest) =>
  respond(scheduleBackfill(request), oneBackfill, request.requestId)

/** `GET /teams/{team_id}/backfills/{backfill_id}` */
export const handleGetBackfill = (request: GetBackfillRequest & HostRequest) =>
  respond(getBackfill(request), oneBackfill, request.requestId)

/** `GET /teams/{team_id}/transfers/{transfer_id}/backfills/latest` */
export const handleLatestBackfill = (request: LatestBackfillRequest & HostRequest) =>
  respond(latestBackfill(request), oneBackfill, request.requestId)

/** `GET /teams/{team_id}/backfills` */
export const handleListIncompleteBackfills = (request: ListBackfillsRequest & HostRequest) =>
  respond(listIncompleteBackfills(request), backfillPage, request.requestId)

/** `PATCH /teams/{team_id}/backfills/{backfill_id}` */
export const handleCancelBackfill = (request: CancelBackfillRequest & HostRequest) =>
  respond(cancelBackfill(request), oneBackfill, request.requestId)
