/**
 * Errors only a transport has: a route no endpoint serves, and a known route asked with
 * a method it does not serve. Not in SPEC §5's table: the seed lets a domain add codes,
 * and `METHOD_NOT_ALLOWED` (405, with `Allow`) says exactly this. Unknown routes answer
 * with SPEC's `NOT_FOUND` envelope.
 */
import { Schema } from "effect"
import { type ApiError, describeError, type ErrorCode, type ErrorDetail, TAXONOMY } from "../domain/errors.js"

export const HttpErrorCode = Schema.Literal("METHOD_NOT_ALLOWED")
export type HttpErrorCode = typeof HttpErrorCode.Type

export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  allowed: Schema.NonEmptyArray(Schema.Literal("GET", "POST", "PATCH"))
}) {}

export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", {}) {}

/** Whatever an HTTP answer can report: the API's errors and the transport's own. */
export type HttpError = ApiError | MethodNotAllowed | RouteNotFound

/** What a caller is told about `error`: SPEC §5's entry, or the transport's. */
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
