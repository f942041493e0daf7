import { Effect, TestClock } from "effect"
import { BackfillId } from "../../src/domain/ids.js"
import { handleGetBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import type { HttpResponse } from "../../src/http/response.js"
import { parseJson } from "../support/losslessJson.js"
import { bearer, SEED_NOW, SEED_TRANSFER } from "./world.js"

export interface ErrorJson {
  readonly code: string
  readonly message: string
  readonly description?: string
}

/** A response with its body read back: `data` on success, `error` otherwise. */
export interface ReadResponse extends HttpResponse {
  readonly meta: Record<string, unknown> & { readonly request_id: string }
  readonly data: unknown
  readonly error: ErrorJson
}

export const readResponse = <Response extends HttpResponse>(response: Response): ReadResponse & Response => {
  const json = parseJson(response.body) as { meta: ReadResponse["meta"]; data?: unknown; error?: ErrorJson }
  return { ...response, meta: json.meta, data: json.data, error: json.error ?? { code: "", message: "" } }
}

/** Runs a handler at the seed's time or later (the test clock starts in 1970) and reads its response. */
export const call = <Response extends HttpResponse, R>(response: Effect.Effect<Response, never, R>) =>
  Effect.gen(function* () {
    if ((yield* TestClock.currentTimeMillis) < SEED_NOW) yield* TestClock.setTime(SEED_NOW)
    return readResponse(yield* response)
  })

export type WireBackfill = Record<string, unknown> & { readonly transfer_backfill_id: bigint | number }

/** Schedules a backfill of the seed's transfer as its team's admin; its id. */
export const scheduleSeedBackfill = (start: string, end: string) =>
  Effect.map(
    call(
      handleScheduleBackfill({
        authorization: bearer("admin"),
        path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
        body: { range_start: start, range_end: end }
      })
    ),
    (response) => BackfillId.make(BigInt((response.data as WireBackfill).transfer_backfill_id))
  )

/** A backfill of team 1 in its wire form, as its admin reads it. */
export const readBackfill = (id: BackfillId) =>
  Effect.map(
    call(handleGetBackfill({ authorization: bearer("admin"), path: { team_id: "1", backfill_id: String(id) } })),
    (response) => response.data as WireBackfill
  )

export const NOT_FOUND_BACKFILL: ErrorJson = {
  code: "NOT_FOUND",
  message: "Not Found",
  description: "The requested backfill could not be found or you do not have access to it."
}

export const NOT_FOUND_TRANSFER: ErrorJson = {
  code: "NOT_FOUND",
  message: "Not Found",
  description: "The requested transfer could not be found or you do not have access to it."
}
