/**
 * Turning an operation's outcome into an HTTP response, whatever the transport. A typed
 * failure becomes its SPEC §5 envelope; a defect is logged and becomes a bare 500, so no
 * internals ever reach a caller.
 */
import { Cause, Effect } from "effect"
import { InternalServerError } from "../domain/errors.js"
import { type RequestId, resolveRequestId } from "../domain/requestId.js"
import { errorEnvelope, successEnvelope } from "./envelopes.js"
import { describeHttpError, type HttpError } from "./errors.js"
import { stringifyJson } from "./json.js"
import { logForRequest } from "./requestLogs.js"

/**
 * A response as any transport can write it: a status, headers and a JSON body. What every
 * handler answers with.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpResponse {
  readonly status: number
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** JSON text; ids are written as exact integers. */
  readonly body: string
}

const baseHeaders = (requestId: RequestId) => ({
  "content-type": "application/json",
  "x-request-id": requestId
})

/**
 * What a success carries: the `data`, and any headers of its own (lower-case names; a page's
 * `link`, say).
 *
 * @since 0.1.0
 * @category models
 */
export interface SuccessBody {
  readonly data: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * The 200 for a success: the success envelope as JSON with exact ids, under the
 * `content-type` and `x-request-id` headers and the success's own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const successResponse = (requestId: RequestId, { data, headers }: SuccessBody): HttpResponse => ({
  status: 200,
  headers: { ...baseHeaders(requestId), ...headers },
  body: stringifyJson(successEnvelope(requestId, data))
})

const challengeHeaders = (error: HttpError): Record<string, string> => {
  switch (error._tag) {
    case "Unauthorized":
      return { "www-authenticate": "Bearer" }
    case "TooManyRequests":
      return { "retry-after": String(error.retryAfterSeconds) }
    case "MethodNotAllowed":
      return { allow: error.allowed.join(", ") }
    default:
      return {}
  }
}

/**
 * The response for `error`: its SPEC §5 status and error envelope, under the `content-type`
 * and `x-request-id` headers and the one its status calls for (`www-authenticate` on a 401,
 * `retry-after` on a 429, `allow` on a 405).
 *
 * @since 0.1.0
 * @category constructors
 */
export const errorResponse = (requestId: RequestId, error: HttpError): HttpResponse => ({
  status: describeHttpError(error).status,
  headers: { ...baseHeaders(requestId), ...challengeHeaders(error) },
  body: stringifyJson(errorEnvelope(requestId, error))
})

/**
 * Runs `operation` and answers with its result in the success envelope (`encode` writes
 * the body), or with the error envelope. Never fails: a defect is logged with the
 * request id and answered with `INTERNAL_SERVER_ERROR`. The building block of the
 * `handle*` functions, for hosts that expose an operation of their own over HTTP.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { authenticate, BackfillId, encodeBackfill, getBackfill, respond, TeamId } from "transfer-backfills"
 *
 * const response = respond(
 *   Effect.flatMap(authenticate("Bearer demo-admin"), (principal) =>
 *     getBackfill({ principal, teamId: TeamId.make(1n), backfillId: BackfillId.make(42n) })
 *   ),
 *   (backfill) => ({ data: encodeBackfill(backfill) }),
 *   "req-0000000001" // the host's X-Request-Id, if any
 * )
 * // Effect<HttpResponse, never, Authenticator | BackfillRepository>: 200 with the backfill, or its error envelope
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const respond = <A, E extends HttpError, R>(
  operation: Effect.Effect<A, E, R>,
  encode: (value: A) => SuccessBody,
  requestIdCandidate?: string | undefined
): Effect.Effect<HttpResponse, never, R> =>
  Effect.flatMap(resolveRequestId(requestIdCandidate), (requestId) =>
    operation.pipe(
      Effect.map((value) => successResponse(requestId, encode(value))),
      Effect.catchAll((error) =>
        Effect.as(
          error._tag === "ServiceUnavailable"
            ? logForRequest(Effect.logWarning("A port is unavailable", error.cause), requestId)
            : Effect.void,
          errorResponse(requestId, error)
        )
      ),
      Effect.catchAllCause((cause) =>
        Effect.as(
          logForRequest(Effect.logError("Unexpected defect", Cause.pretty(cause)), requestId),
          errorResponse(requestId, new InternalServerError())
        )
      )
    )
  )
