/**
 * The error taxonomy of SPEC §5: one tagged error per code. Each operation fails with a
 * closed union of these; `describeError` is the single place that turns one into the
 * code, HTTP status, message and description a caller sees.
 */
import { Schema } from "effect"

/** Descriptions are built by the library; they carry at most a short excerpt of input. */
const Description = Schema.String.pipe(Schema.maxLength(2048))

/**
 * The request cannot be read: a malformed id, body, query parameter or cursor
 * (`BAD_REQUEST`, 400).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  description: Description
}) {}

/**
 * The bearer token is missing or not accepted (`UNAUTHORIZED`, 401).
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  description: Schema.optional(Description)
}) {}

/**
 * The caller is not a member of the team, or the token lacks the required scope
 * (`FORBIDDEN`, 403).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  description: Description
}) {}

/**
 * The caller's account lacks the required permission (`PERMISSION_ERROR`, 403).
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  description: Description
}) {}

/**
 * The transfer or backfill is not there for the caller's team (`NOT_FOUND`, 404). Missing
 * and belonging to another team look the same: never reveal the difference.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  resource: Schema.Literal("transfer", "backfill")
}) {}

/**
 * The request conflicts with the current state: a range that overlaps an active backfill
 * of the transfer (`CONFLICT_ERROR`, 409).
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  description: Description
}) {}

/**
 * An idempotency key was already used with a different request (`DUPLICATION_FAILED`, 422).
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicationFailed extends Schema.TaggedError<DuplicationFailed>()("DuplicationFailed", {
  description: Schema.optional(Description)
}) {}

/**
 * The request is well formed but breaks a rule: a range that is reversed, too long, in the
 * future or too early, or a cancel of a backfill that is no longer active
 * (`UNPROCESSABLE_ENTITY`, 422).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntity extends Schema.TaggedError<UnprocessableEntity>()("UnprocessableEntity", {
  description: Description
}) {}

/**
 * The request content could not be processed (`UNPROCESSABLE_CONTENT`, 422).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableContent extends Schema.TaggedError<UnprocessableContent>()("UnprocessableContent", {
  description: Schema.optional(Description)
}) {}

/**
 * The caller's rate limit is used up; retry after `retryAfterSeconds` (`TOO_MANY_REQUESTS`,
 * 429).
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  retryAfterSeconds: Schema.Int.pipe(Schema.nonNegative())
}) {}

/**
 * A defect seen by a caller: whatever happened stays in the logs (`INTERNAL_SERVER_ERROR`,
 * 500).
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends Schema.TaggedError<InternalServerError>()("InternalServerError", {}) {}

/**
 * A port could not answer (unreachable, timed out). `cause` is kept for logs and is never
 * part of a response (`SERVICE_UNAVAILABLE`, 503).
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * Every error of SPEC §5, one tagged error per code: what an operation's failure can be.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiError = Schema.Union(
  BadRequest,
  Unauthorized,
  Forbidden,
  PermissionDenied,
  NotFound,
  Conflict,
  DuplicationFailed,
  UnprocessableEntity,
  UnprocessableContent,
  TooManyRequests,
  InternalServerError,
  ServiceUnavailable
)
/**
 * Any error of SPEC §5. Each operation fails with a closed union of these.
 *
 * @since 0.1.0
 * @category errors
 */
export type ApiError = typeof ApiError.Type

/**
 * The machine-readable codes of SPEC §5's error envelope.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorCode = Schema.Literal(
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "PERMISSION_ERROR",
  "NOT_FOUND",
  "CONFLICT_ERROR",
  "DUPLICATION_FAILED",
  "UNPROCESSABLE_ENTITY",
  "UNPROCESSABLE_CONTENT",
  "TOO_MANY_REQUESTS",
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE"
)
/**
 * A SPEC §5 error code, such as `NOT_FOUND`.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorCode = typeof ErrorCode.Type

/**
 * What every error of one kind shares: its code, HTTP status and message.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaxonomyEntry<Code extends string = ErrorCode> {
  readonly code: Code
  readonly status: number
  readonly message: string
}

const entry = (code: ErrorCode, status: number, message: string): TaxonomyEntry => ({ code, status, message })

/**
 * SPEC §5, one row per error: code, HTTP status and message. Messages are the seed's where
 * it has one.
 *
 * @since 0.1.0
 * @category constants
 */
export const TAXONOMY: { readonly [Tag in ApiError["_tag"]]: TaxonomyEntry } = {
  BadRequest: entry("BAD_REQUEST", 400, "The request was invalid."),
  Unauthorized: entry("UNAUTHORIZED", 401, "Authentication is required."),
  Forbidden: entry("FORBIDDEN", 403, "You do not have access to this resource."),
  PermissionDenied: entry("PERMISSION_ERROR", 403, "You do not have permission to perform this action."),
  NotFound: entry("NOT_FOUND", 404, "Not Found"),
  Conflict: entry("CONFLICT_ERROR", 409, "The request conflicts with the current state."),
  DuplicationFailed: entry("DUPLICATION_FAILED", 422, "The idempotency key was already used with a different request."),
  UnprocessableEntity: entry("UNPROCESSABLE_ENTITY", 422, "Validation failed for the request parameters."),
  UnprocessableContent: entry("UNPROCESSABLE_CONTENT", 422, "The request content could not be processed."),
  TooManyRequests: entry("TOO_MANY_REQUESTS", 429, "Rate limit exceeded. Retry later."),
  InternalServerError: entry("INTERNAL_SERVER_ERROR", 500, "An unexpected error occurred."),
  ServiceUnavailable: entry("SERVICE_UNAVAILABLE", 503, "The service is temporarily unavailable. Retry later.")
}

/**
 * What a caller is told about one error: its taxonomy entry and, where the error has one,
 * a description of this occurrence.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorDetail<Code extends string = ErrorCode> extends TaxonomyEntry<Code> {
  readonly description?: string
}

const describeOccurrence = (error: ApiError): string | undefined => {
  switch (error._tag) {
    case "NotFound":
      return `The requested ${error.resource} could not be found or you do not have access to it.`
    case "TooManyRequests":
      return `Retry after ${error.retryAfterSeconds} seconds.`
    case "InternalServerError":
    case "ServiceUnavailable":
      return undefined
    default:
      return error.description
  }
}

/**
 * What a caller is told about `error`: the single place that turns an error into the code,
 * HTTP status, message and description of SPEC §5's envelope. Hosts that are not HTTP use
 * it to report an operation's failure.
 *
 * @example
 * ```ts
 * import { describeError, NotFound } from "transfer-backfills"
 *
 * const detail = describeError(new NotFound({ resource: "backfill" }))
 * // { code: "NOT_FOUND", status: 404, message: "Not Found", description: "The requested backfill …" }
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const describeError = (error: ApiError): ErrorDetail => {
  const entry = TAXONOMY[error._tag]
  const description = describeOccurrence(error)
  return description === undefined ? entry : { ...entry, description }
}

const EXCERPT_LENGTH = 40

/**
 * A short, quoted, sanitised excerpt of caller input for a description: only a plain set
 * of characters survives, so nothing a caller sends can inject markup or control
 * characters into a response or a log line.
 *
 * @since 0.1.0
 * @category utils
 */
export const excerpt = (input: string): string => {
  const clean = input.slice(0, EXCERPT_LENGTH).replace(/[^A-Za-z0-9 _.:+\-/]/g, "?")
  return `"${clean}${input.length > EXCERPT_LENGTH ? "…" : ""}"`
}
