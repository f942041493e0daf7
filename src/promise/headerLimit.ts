/**
 * The header limit for hosts without Effect (see `http/headerLimit.ts`): Node's HTTP
 * server drops headers past the 1,000th without a word, so a host lifts its limit
 * (`server.maxHeadersCount = 0`) and answers a request over `MAX_REQUEST_HEADERS` with
 * `tooManyHeadersAnswer` before anything reads its headers.
 */
import { Effect } from "effect"
import { MAX_REQUEST_HEADERS, tooManyHeadersResponse } from "../http/headerLimit.js"
import type { HttpResponse } from "../http/response.js"

export { exceedsHeaderLimit, MAX_REQUEST_HEADERS } from "../http/headerLimit.js"

/**
 * SPEC's 400 envelope for a request with more than `limit` headers, as a plain answer.
 *
 * @example
 * ```ts
 * import { exceedsHeaderLimit, tooManyHeadersAnswer } from "transfer-backfills/promise"
 *
 * if (exceedsHeaderLimit(request.rawHeaders.length)) {
 *   const answer = tooManyHeadersAnswer()
 *   response.writeHead(answer.status, answer.headers).end(answer.body)
 * }
 * ```
 *
 * @since 0.2.0
 * @category routing
 */
export const tooManyHeadersAnswer = (requestId?: string, limit: number = MAX_REQUEST_HEADERS): HttpResponse =>
  Effect.runSync(tooManyHeadersResponse(requestId, limit))
