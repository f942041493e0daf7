/**
 * A limit on how many headers a request may carry, for hosts that read requests
 * themselves. Node's HTTP server keeps the first 1,000 headers of a request and drops
 * the rest without a word (`maxHeadersCount`), so a request padded with headers would
 * reach the library without its `Authorization` or its `Idempotency-Key`. A host that
 * lifts Node's limit (`server.maxHeadersCount = 0`; the header bytes stay bounded by
 * `maxHeaderSize`) and answers a request over this one with `tooManyHeadersResponse`
 * never loses a header silently.
 */
import type { Effect } from "effect"
import { BadRequest } from "../domain/errors.js"
import { refusal } from "./refusal.js"
import type { HttpResponse } from "./response.js"

/**
 * The most headers a request may carry (each occurrence of a repeated header counts), as
 * Apache httpd's `LimitRequestFields`: far above what clients and proxies send.
 *
 * @since 0.2.0
 * @category constants
 */
export const MAX_REQUEST_HEADERS = 100

/**
 * The 400 for a request with more than `limit` headers.
 *
 * @since 0.2.0
 * @category constructors
 */
export const tooManyHeaders = (limit: number = MAX_REQUEST_HEADERS) =>
  new BadRequest({ description: `The request must not carry more than ${limit} headers.` })

/**
 * Whether a request whose raw header list (Node's `request.rawHeaders`: name, value,
 * name, value, …) has `rawHeaderEntries` entries carries more than `limit` headers.
 *
 * @since 0.2.0
 * @category routing
 */
export const exceedsHeaderLimit = (rawHeaderEntries: number, limit: number = MAX_REQUEST_HEADERS) =>
  rawHeaderEntries / 2 > limit

/**
 * The answer to a request with more than `limit` headers: SPEC's 400 envelope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { exceedsHeaderLimit, tooManyHeadersResponse } from "transfer-backfills"
 *
 * // Node: `server.maxHeadersCount = 0`, then for each request:
 * if (exceedsHeaderLimit(request.rawHeaders.length)) {
 *   const answer = Effect.runSync(tooManyHeadersResponse())
 *   // answer.status: 400, code BAD_REQUEST
 * }
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const tooManyHeadersResponse = (
  requestId?: string | undefined,
  limit: number = MAX_REQUEST_HEADERS
): Effect.Effect<HttpResponse> => refusal(tooManyHeaders(limit), requestId)
