/**
 * Operations wired to HTTP responses: what a host's route handler calls. Each takes the
 * raw request parts plus an optional host request id and always yields a response.
 */
import { encodeBackfill } from "./domain/backfill.js"
import { type ScheduleBackfillRequest, scheduleBackfill } from "./operations/scheduleBackfill.js"
import { respond } from "./wire/httpResponse.js"

export interface HostRequest {
  /** The request id the host already uses (e.g. from `X-Request-Id`); replaced when malformed. */
  readonly requestId?: string
}

/** `POST /teams/{team_id}/transfers/{transfer_id}/backfills` */
export const handleScheduleBackfill = (request: ScheduleBackfillRequest & HostRequest) =>
  respond(scheduleBackfill(request), encodeBackfill, request.requestId)
