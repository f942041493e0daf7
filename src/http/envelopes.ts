/**
 * The two response envelopes of SPEC §1/§5. Every success is `{meta, data}`, every error
 * `{meta, error}`; `meta.request_id` ties the response to the request's logs.
 */
import { Schema } from "effect"
import { type ApiError, describeError, ErrorCode } from "../domain/errors.js"
import { RequestId } from "../domain/requestId.js"

export const ResponseMeta = Schema.Struct({ request_id: RequestId })

export const SuccessEnvelope = <A, I, R>(data: Schema.Schema<A, I, R>) => Schema.Struct({ meta: ResponseMeta, data })

export const ErrorBody = Schema.Struct({
  code: ErrorCode,
  message: Schema.String.pipe(Schema.maxLength(255)),
  description: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(2048)), { exact: true })
})

export const ErrorEnvelope = Schema.Struct({ meta: ResponseMeta, error: ErrorBody })
export type ErrorEnvelope = typeof ErrorEnvelope.Type

export const successEnvelope = <Data>(
  requestId: RequestId,
  data: Data,
  meta: Readonly<Record<string, unknown>> = {}
) => ({ meta: { request_id: requestId, ...meta }, data })

export const errorEnvelope = (requestId: RequestId, error: ApiError): ErrorEnvelope => {
  const { code, message, description } = describeError(error)
  return {
    meta: { request_id: requestId },
    error: description === undefined ? { code, message } : { code, message, description }
  }
}
