/**
 * The reference host's HTTP layer: the HttpApi's endpoints wired to the library's
 * handlers, and what a production front door adds around them (per-caller rate limits,
 * a body size limit that stops reading early, envelopes for unknown routes and wrong
 * methods, the OpenAPI document). The library decides every answer of an endpoint; this
 * module only moves bytes.
 */
import { type HttpApi, HttpApiBuilder, HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Layer, Option, Stream } from "effect"
import { type ApiError, MethodNotAllowed, NotFound, TooManyRequests } from "../domain/errors.js"
import {
  handleCancelBackfill,
  handleGetBackfill,
  handleLatestBackfill,
  handleListIncompleteBackfills,
  handleScheduleBackfill
} from "../handlers.js"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { type HttpResponse, respond } from "../wire/httpResponse.js"
import type { PageCursors } from "../wire/pageCursor.js"
import { bearerToken, bodyTooLarge, MAX_BODY_BYTES, type QueryParams } from "../wire/request.js"
import { BackfillApi, openApiDocument } from "./api.js"
import type { RateLimiter } from "./rateLimiter.js"

type Request = HttpServerRequest.HttpServerRequest

const toServerResponse = (response: HttpResponse) =>
  HttpServerResponse.text(response.body, {
    status: response.status,
    headers: response.headers,
    contentType: "application/json"
  })

/** What every handler passes on: the credentials and the host's request id. */
const caller = (request: Request) => {
  const requestId = request.headers["x-request-id"]
  return {
    authorization: request.headers.authorization,
    ...(requestId === undefined ? {} : { requestId })
  }
}

/** Answers with a library error envelope for a failure found before any endpoint ran. */
const refuse = (request: Request, error: ApiError) =>
  Effect.map(
    respond(Effect.fail(error), () => ({ data: null }), request.headers["x-request-id"]),
    toServerResponse
  )

/**
 * The body's bytes, keeping no more than one byte past the limit; `undefined` for none.
 * The rest of an oversized body is read and dropped, so that the client, still sending,
 * gets the 400 instead of a reset connection.
 */
const withBody = <R>(request: Request, use: (body: Uint8Array | undefined) => Effect.Effect<HttpResponse, never, R>) =>
  request.stream.pipe(
    Stream.runFold({ kept: [] as Array<Uint8Array>, size: 0 }, (body, chunk) => {
      if (body.size <= MAX_BODY_BYTES) body.kept.push(chunk)
      body.size += chunk.byteLength
      return body
    }),
    Effect.matchEffect({
      onFailure: () => refuse(request, bodyTooLarge()),
      onSuccess: ({ kept, size }) => {
        if (size > MAX_BODY_BYTES) return refuse(request, bodyTooLarge())
        const bytes = new Uint8Array(size)
        let offset = 0
        for (const chunk of kept) {
          bytes.set(chunk, offset)
          offset += chunk.byteLength
        }
        return Effect.map(use(size === 0 ? undefined : bytes), toServerResponse)
      }
    })
  )

const queryOf = (request: Request): QueryParams => {
  const params = new URL(request.url, "http://host").searchParams
  const query: Record<string, string | Array<string>> = {}
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    query[name] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

export const BackfillsLive = HttpApiBuilder.group(BackfillApi, "backfills", (handlers) =>
  handlers
    .handleRaw("schedule", ({ path, request }) =>
      withBody(request, (body) => handleScheduleBackfill({ ...caller(request), path, body }))
    )
    .handleRaw("latest", ({ path, request }) =>
      Effect.map(handleLatestBackfill({ ...caller(request), path }), toServerResponse)
    )
    .handleRaw("get", ({ path, request }) =>
      Effect.map(handleGetBackfill({ ...caller(request), path }), toServerResponse)
    )
    .handleRaw("list", ({ path, request }) =>
      Effect.map(handleListIncompleteBackfills({ ...caller(request), path, query: queryOf(request) }), toServerResponse)
    )
    .handleRaw("cancel", ({ path, request }) =>
      withBody(request, (body) => handleCancelBackfill({ ...caller(request), path, body }))
    )
)

type Method = MethodNotAllowed["allowed"][number]

/** The API's paths and the methods each serves, read off the HttpApi definition. */
const ROUTES: ReadonlyArray<{ readonly path: RegExp; readonly methods: ReadonlyArray<Method> }> = (() => {
  const byPath = new Map<string, Array<Method>>([["/openapi.json", ["GET"]]])
  for (const group of Object.values(BackfillApi.groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      byPath.set(endpoint.path, [...(byPath.get(endpoint.path) ?? []), endpoint.method as Method])
    }
  }
  return [...byPath].map(([path, methods]) => ({
    path: new RegExp(`^${path.replace(/\./g, "\\.").replace(/:[a-z_]+/g, "[^/]+")}$`),
    methods
  }))
})()

/** The OpenAPI document never changes while the host runs: built on first request, then kept. */
let document: ReturnType<typeof openApiDocument> | undefined
const servedDocument = () => {
  document ??= openApiDocument()
  return document
}

const pathOf = (request: Request) => new URL(request.url, "http://host").pathname

/** An envelope for a path the API lacks or a method the path does not serve; none otherwise. */
const routingMiss = (request: Request, path: string): Option.Option<ApiError> => {
  const route = ROUTES.find((candidate) => candidate.path.test(path))
  if (route === undefined) return Option.some(new NotFound({ resource: "route" }))
  const [first, ...rest] = route.methods
  return first === undefined || route.methods.includes(request.method as Method)
    ? Option.none()
    : Option.some(new MethodNotAllowed({ allowed: [first, ...rest] }))
}

/**
 * The front door: counts every request against its caller's hourly limit (by bearer
 * token, or by address without one) and answers 429 past it, turns routing misses into
 * envelopes, serves the OpenAPI document, and answers anything the app failed with as a
 * logged bare 500. Every response carries the rate headers: the app sends its responses
 * itself, so they get them from a pre-response handler.
 */
export const frontDoor =
  (limiter: RateLimiter) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const key =
        bearerToken(request.headers.authorization) ?? `address:${Option.getOrElse(request.remoteAddress, () => "")}`
      const quota = yield* limiter.take(key)
      const withRateHeaders = (response: HttpServerResponse.HttpServerResponse) =>
        HttpServerResponse.setHeaders(response, {
          "x-ratelimit-limit": String(quota.limit),
          "x-ratelimit-remaining": String(quota.remaining)
        })
      const path = pathOf(request)
      const miss = routingMiss(request, path)
      if (!quota.allowed) {
        return withRateHeaders(
          yield* refuse(request, new TooManyRequests({ retryAfterSeconds: quota.retryAfterSeconds }))
        )
      }
      if (Option.isSome(miss)) return withRateHeaders(yield* refuse(request, miss.value))
      if (path === "/openapi.json") return withRateHeaders(HttpServerResponse.unsafeJson(servedDocument()))
      yield* HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(withRateHeaders(response)))
      return yield* Effect.catchAllCause(app, (cause) =>
        Effect.map(
          respond(Effect.die(Cause.squash(cause)), () => ({ data: null })),
          toServerResponse
        )
      )
    })

export type HostServices = Authenticator | TransferLookup | BackfillRepository | PageCursors

/** The API's handlers and routing, given the library's ports. */
export const layerBackfillHttpApi: Layer.Layer<HttpApi.Api, never, HostServices> = HttpApiBuilder.api(BackfillApi).pipe(
  Layer.provide(BackfillsLive)
)
