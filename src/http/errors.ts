/**
 * Errors only a transport has: a route no endpoint serves, and a known route asked with
 * a method it does not serve. Not in SPEC §5's table: the seed lets a domain add codes,
 * and `METHOD_NOT_ALLOWED` (405, with `Allow`) says exactly this. Unknown routes answer
 * with SPEC's `NOT_FOUND` envelope.
 */
import { Schema } from "effect"
import { type ApiError, describeError, type ErrorCode, type ErrorDetail, TAXONOMY } from "../domain/errors.js"

/**
 * The codes only the HTTP transport answers with, beyond SPEC §5's table:
 * `METHOD_NOT_ALLOWED`.
 *
 * @since 0.1.0
 * @category errors
 */
export const HttpErrorCode = Schema.Literal("METHOD_NOT_ALLOWED")
/**
 * A code only the HTTP transport answers with.
 *
 * @since 0.1.0
 * @category errors
 */
export type HttpErrorCode = typeof HttpErrorCode.Type

/**
 * A known route asked with a method it does not serve: a 405 whose `Allow` header names the
 * methods in `allowed`.
 *
 * @since 0.1.0
 * @category errors
 */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  allowed: Schema.NonEmptyArray(Schema.Literal("GET", "POST", "PATCH"))
}) {}

/**
 * A path no endpoint serves, answered with SPEC's `NOT_FOUND` envelope (404).
 *
 * @since 0.1.0
 * @category errors
 */
export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", {}) {}

/**
 * Whatever an HTTP answer can report: the API's errors and the transport's own.
 *
 * @since 0.1.0
 * @category errors
 */
export type HttpError = ApiError | MethodNotAllowed | RouteNotFound

/**
 * What a caller is told about `error`: SPEC §5's entry (code, status, message and
 * description), or the transport's.
 *
 * @example
 * ```ts
 * import { describeHttpError, MethodNotAllowed } from "transfer-backfills"
 *
 * const { status, code } = describeHttpError(new MethodNotAllowed({ allowed: ["GET", "PATCH"] }))
 * // 405, "METHOD_NOT_ALLOWED"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const describeHttpError = (error: HttpError): ErrorDetail<ErrorCode | HttpErrorCode> => {
  switch (error._tag) {
    case "MethodNotAllowed":
      return {
        code: "METHOD_NOT_ALLOWED",
        status: 405,
        message: "The method is not allowed for this resource.",
        description: `This resource accepts ${error.allowed.join(", ")}.`
      }
    case "RouteNotFound":
      return {
        ...TAXONOMY.NotFound,
        description: "The requested route could not be found or you do not have access to it."
      }
    default:
      return describeError(error)
  }
}
