/**
 * The error taxonomy of SPEC §5: one tagged error per code. Each operation fails with a
 * closed union of these; `describeError` is the single place that turns one into the
 * code, HTTP status, message and description a caller sees.
 */
import { Schema } from "effect"

/** Descriptions are built by the library; they carry at most a short excerpt of input. */
const Description = Schema.String.pipe(Schema.maxLength(2048))

export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  description: Description
}) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  description: Schema.optional(Description)
}) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  description: Description
}) {}

export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  description: Description
}) {}

/** Missing and belonging to another team look the same: never reveal the difference. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  resource: Schema.Literal("transfer", "backfill")
}) {}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  description: Description
}) {}

export class DuplicationFailed extends Schema.TaggedError<DuplicationFailed>()("DuplicationFailed", {
  description: Schema.optional(Description)
}) {}

export class UnprocessableEntity extends Schema.TaggedError<UnprocessableEntity>()("UnprocessableEntity", {
  description: Description
}) {}

export class UnprocessableContent extends Schema.TaggedError<UnprocessableContent>()("UnprocessableContent", {
  description: Schema.optional(Description)
}) {}

export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  retryAfterSeconds: Schema.Int.pipe(Schema.nonNegative())
}) {}

/** A defect seen by a caller: whatever happened stays in the logs. */
export class InternalServerError extends Schema.TaggedError<InternalServerError>()("InternalServerError", {}) {}

/**
 * A port could not answer (unreachable, timed out). `cause` is kept for logs and is never
 * part of a response.
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  cause: Schema.optional(Schema.Defect)
}) {}

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
export type ApiError = typeof ApiError.Type

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
export type ErrorCode = typeof ErrorCode.Type

export interface TaxonomyEntry<Code extends string = ErrorCode> {
  readonly code: Code
  readonly status: number
  readonly message: string
}

/** SPEC §5, one row per error. Messages are the seed's where it has one. */
export const TAXONOMY: { readonly [Tag in ApiError["_tag"]]: TaxonomyEntry } = {
  BadRequest: { code: "BAD_REQUEST", status: 400, message: "The request was invalid." },
  Unauthorized: { code: "UNAUTHORIZED", status: 401, message: "Authentication is required." },
  Forbidden: { code: "FORBIDDEN", status: 403, message: "You do not have access to this resource." },
  PermissionDenied: {
    code: "PERMISSION_ERROR",
    status: 403,
    message: "You do not have permission to perform this action."
  },
  NotFound: { code: "NOT_FOUND", status: 404, message: "Not Found" },
  Conflict: { code: "CONFLICT_ERROR", status: 409, message: "The request conflicts with the current state." },
  DuplicationFailed: {
    code: "DUPLICATION_FAILED",
    status: 422,
    message: "The idempotency key was already used with a different request."
  },
  UnprocessableEntity: {
    code: "UNPROCESSABLE_ENTITY",
    status: 422,
    message: "Validation failed for the request parameters."
  },
  UnprocessableContent: {
    code: "UNPROCESSABLE_CONTENT",
    status: 422,
    message: "The request content could not be processed."
  },
  TooManyRequests: { code: "TOO_MANY_REQUESTS", status: 429, message: "Rate limit exceeded. Retry later." },
  InternalServerError: { code: "INTERNAL_SERVER_ERROR", status: 500, message: "An unexpected error occurred." },
  ServiceUnavailable: {
    code: "SERVICE_UNAVAILABLE",
    status: 503,
    message: "The service is temporarily unavailable. Retry later."
  }
}

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

/** What a caller is told about `error`. */
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
 */
export const excerpt = (input: string): string => {
  const clean = input.slice(0, EXCERPT_LENGTH).replace(/[^A-Za-z0-9 _.:+\-/]/g, "?")
  return `"${clean}${input.length > EXCERPT_LENGTH ? "…" : ""}"`
}
