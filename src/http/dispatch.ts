/**
 * One request of any transport answered by the route table: the path matched raw, SPEC's
 * 400/404/405 envelopes for what no route takes, the body read up to `MAX_BODY_BYTES` and
 * only by the routes that have one, the host's request id and `Idempotency-Key` passed
 * on. The standard handlers, the Effect router and the reference host all answer through
 * it, so they answer alike.
 */
import { Effect } from "effect"
import { BadRequest } from "../domain/errors.js"
import type { ApiServices } from "./endpoint.js"
import { MethodNotAllowed, RouteNotFound } from "./errors.js"
import { MAX_REQUEST_HEADERS, tooManyHeaders } from "./headerLimit.js"
import { observeRequest } from "./observe.js"
import { matchPath, type PathMatch, queryOf, routeFor, splitTarget } from "./pathMatch.js"
import { refusal } from "./refusal.js"
import { bodyTooLarge, MAX_BODY_BYTES } from "./request.js"
import type { HttpResponse } from "./response.js"

/**
 * A request as a transport has it, before anything is read.
 *
 * @since 0.2.0
 * @category routing
 */
export interface IncomingApiRequest {
  readonly method: string
  /** The request target as sent: the raw path and query, e.g. `/teams/1/backfills?limit=5`. */
  readonly target: string
  /** A header's value by its lower-case name. */
  readonly header: (name: string) => string | undefined
  /** How many header lines the request carried. */
  readonly headerCount: number
  /** Reads the body (`undefined` when empty), failing with the 400 to answer when it is too large or cut off. */
  readonly body: Effect.Effect<Uint8Array | undefined, BadRequest>
}

/**
 * Limits a transport applies before the library reads a request.
 *
 * @since 0.2.0
 * @category routing
 */
export interface DispatchOptions {
  /** More header lines than this are refused with a 400 (default `MAX_REQUEST_HEADERS`). */
  readonly maxRequestHeaders?: number | undefined
}

/**
 * The 400 for a body that stopped arriving before its end.
 *
 * @since 0.2.0
 * @category constructors
 */
export const bodyCutOff = () => new BadRequest({ description: "The request body could not be read to its end." })

/** What an empty body reads as. */
const NO_BODY: Effect.Effect<Uint8Array | undefined> = Effect.sync(() => undefined)

/**
 * Gathers a body's chunks up to `MAX_BODY_BYTES`: past it, the rest is counted, not kept.
 *
 * @since 0.2.0
 * @category routing
 */
export const bodyCollector = () => {
  const kept: Array<Uint8Array> = []
  let size = 0
  return {
    add: (chunk: Uint8Array) => {
      if (size <= MAX_BODY_BYTES) kept.push(chunk)
      size += chunk.byteLength
    },
    bytes: (): Effect.Effect<Uint8Array | undefined, BadRequest> => {
      if (size > MAX_BODY_BYTES) return Effect.fail(bodyTooLarge())
      if (size === 0) return NO_BODY
      const bytes = new Uint8Array(size)
      let offset = 0
      for (const chunk of kept) {
        bytes.set(chunk, offset)
        offset += chunk.byteLength
      }
      return Effect.succeed(bytes)
    }
  }
}

/**
 * The answer to a request whose path is already matched (hosts that look at the match
 * first, to rate-limit by team or answer a preflight, call this after).
 *
 * @since 0.2.0
 * @category routing
 */
export const answerMatched = (
  request: IncomingApiRequest,
  match: PathMatch,
  search: string
): Effect.Effect<HttpResponse, never, ApiServices> => {
  const requestId = request.header("x-request-id")
  if (match._tag === "Malformed") return refusal(match.error, requestId)
  if (match._tag === "Unknown") return refusal(new RouteNotFound(), requestId)
  const found = routeFor(match.path, request.method)
  if ("allowed" in found) return refusal(new MethodNotAllowed({ allowed: found.allowed }), requestId)
  const parts = {
    authorization: request.header("authorization"),
    path: match.params,
    requestId,
    idempotencyKey: request.header("idempotency-key")
  }
  if (found.route.method === "GET") return found.route.handle({ ...parts, query: queryOf(search) })
  return Effect.matchEffect(request.body, {
    onFailure: (refused) => refusal(refused, requestId),
    onSuccess: (body) => found.route.handle({ ...parts, body })
  })
}

/**
 * The answer to any request: its header count checked, its path matched as sent, and its
 * route run, observed (`observeRequest`: a span, `X-Span-Id`, the request duration). Never
 * fails: every outcome is a response.
 *
 * @since 0.2.0
 * @category routing
 */
export const dispatch = (
  request: IncomingApiRequest,
  options: DispatchOptions = {}
): Effect.Effect<HttpResponse, never, ApiServices> => {
  const limit = options.maxRequestHeaders ?? MAX_REQUEST_HEADERS
  const { path, search } = splitTarget(request.target)
  const match = matchPath(path)
  return observeRequest(
    request,
    match,
    request.headerCount > limit
      ? refusal(tooManyHeaders(limit), request.header("x-request-id"))
      : answerMatched(request, match, search)
  )
}
