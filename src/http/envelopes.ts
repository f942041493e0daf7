/**
 * The two response envelopes of SPEC §1/§5. Every success is `{meta, data}`, every error
 * `{meta, error}`; `meta.request_id` ties the response to the request's logs.
 */
import { Schema } from "effect"
import { ErrorCode } from "../domain/errors.js"
import { RequestId } from "../domain/requestId.js"
import { describeHttpError, type HttpError, HttpErrorCode } from "./errors.js"

export const ResponseMeta = Schema.Struct({ request_id: RequestId })

export const SuccessEnvelope = <A, I, R>(data: Schema.Schema<A, I, R>) => Schema.Struct({ meta: ResponseMeta, data })

export const ErrorBody = Schema.Struct({
  code: Schema.Union(ErrorCode, HttpErrorCode),
  message: Schema.String.pipe(Schema.maxLength(255)),
  description: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(2048)), { exact: true })
})

export const ErrorEnvelope = Schema.Struct({ meta: ResponseMeta, error: ErrorBody })
export type ErrorEnvelope = typeof ErrorEnvelope.Type

export const successEnvelope = <Data>(requestId: RequestId, data: Data) => ({ meta: { request_id: requestId }, data })

export const errorEnvelope = (requestId: RequestId, error: HttpError): ErrorEnvelope => {
  const { code, message, description } = describeHttpError(error)
  return {
    meta: { request_id: requestId },
    error: description === undefined ? { code, message } : { code, message, description }
  }
}
