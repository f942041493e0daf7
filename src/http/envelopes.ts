/**
 * The two response envelopes of SPEC §1/§5. Every success is `{meta, data}`, every error
 * `{meta, error}`; `meta.request_id` ties the response to the request's logs.
 */
import { Schema } from "effect"
import { ErrorCode } from "../domain/errors.js"
import { RequestId } from "../domain/requestId.js"
import { describeHttpError, type HttpError, HttpErrorCode } from "./errors.js"

/**
 * The `meta` of every response, success or error: the request id that ties the response to
 * the request's logs.
 *
 * @since 0.1.0
 * @category envelopes
 */
export const ResponseMeta = Schema.Struct({ request_id: RequestId })

/**
 * The schema of a success body, `{ meta, data }`, for the schema of its `data`: the shape of
 * every 200 the API answers with (SPEC §1).
 *
 * @since 0.1.0
 * @category envelopes
 */
export const SuccessEnvelope = <A, I, R>(data: Schema.Schema<A, I, R>) => Schema.Struct({ meta: ResponseMeta, data })

/**
 * The `error` of an error body (SPEC §5): a code of SPEC's table or of the transport's own
 * (`METHOD_NOT_ALLOWED`), a message of at most 255 characters and an optional description of
 * at most 2,048.
 *
 * @since 0.1.0
 * @category envelopes
 */
export const ErrorBody = Schema.Struct({
  code: Schema.Union(ErrorCode, HttpErrorCode),
  message: Schema.String.pipe(Schema.maxLength(255)),
  description: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(2048)), { exact: true })
})

/**
 * The schema of an error body, `{ meta, error }`: the shape of every answer that is not a 200.
 *
 * @since 0.1.0
 * @category envelopes
 */
export const ErrorEnvelope = Schema.Struct({ meta: ResponseMeta, error: ErrorBody })
/**
 * An error body, as `errorEnvelope` builds it.
 *
 * @since 0.1.0
 * @category envelopes
 */
export type ErrorEnvelope = typeof ErrorEnvelope.Type

/**
 * The success body for `data`, under the request's id. `respond` builds it for you; a host
 * that writes its own responses uses it, with `stringifyJson` to keep int64 ids exact.
 *
 * @since 0.1.0
 * @category envelopes
 */
export const successEnvelope = <Data>(requestId: RequestId, data: Data) => ({ meta: { request_id: requestId }, data })

/**
 * The error body SPEC §5 prescribes for `error`, under the request's id: its code and
 * message, and its description when it has one.
 *
 * @since 0.1.0
 * @category envelopes
 */
export const errorEnvelope = (requestId: RequestId, error: HttpError): ErrorEnvelope => {
  const { code, message, description } = describeHttpError(error)
  return {
    meta: { request_id: requestId },
    error: description === undefined ? { code, message } : { code, message, description }
  }
}
