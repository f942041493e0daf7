/**
 * `@effect/platform`'s server request as the library's dispatcher reads it, and the
 * dispatcher's answer as a server response.
 */
import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Stream } from "effect"
import { bodyCollector, bodyCutOff, type IncomingApiRequest } from "../http/dispatch.js"
import type { HttpResponse } from "../http/response.js"

/**
 * Logged when a client goes away mid-request: nobody reads the answer, so nothing more is said.
 *
 * @since 0.2.0
 * @category routing
 */
export const CLIENT_GONE = Effect.logDebug("The client closed the request before its answer")

// The rest of an oversized body is read and dropped, so that the client, still sending,
// gets the 400 instead of a reset connection.
const bodyOf = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.suspend(() => {
    const collector = bodyCollector()
    return request.stream.pipe(
      Stream.runForEach((chunk) => Effect.sync(() => collector.add(chunk))),
      Effect.matchEffect({
        onFailure: () => Effect.zipRight(CLIENT_GONE, Effect.fail(bodyCutOff())),
        onSuccess: collector.bytes
      })
    )
  })

/**
 * A server request as the dispatcher reads it; `headerCount` where the transport knows the
 * header lines as sent (Node's `rawHeaders`), else the distinct headers are counted.
 *
 * @since 0.2.0
 * @category routing
 */
export const incomingFromServerRequest = (
  request: HttpServerRequest.HttpServerRequest,
  headerCount: number = Object.keys(request.headers).length
): IncomingApiRequest => ({
  method: request.method,
  target: request.url,
  header: (name) => request.headers[name],
  headerCount,
  body: bodyOf(request)
})

/**
 * The dispatcher's answer as a server response.
 *
 * @since 0.2.0
 * @category routing
 */
export const toServerResponse = (response: HttpResponse): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(response.body, {
    status: response.status,
    headers: response.headers,
    contentType: "application/json"
  })
