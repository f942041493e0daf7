import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import {
  BadRequest,
  Conflict,
  Forbidden,
  InternalServerError,
  NotFound,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnprocessableEntity
} from "../../src/domain/errors.js"
import type { RequestId } from "../../src/domain/requestId.js"
import { MethodNotAllowed, RouteNotFound } from "../../src/http/errors.js"
import { errorResponse, respond, successResponse } from "../../src/http/response.js"
import { SEED_ERROR_BODIES } from "../fixtures/seed.js"

const requestId = "BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN" as RequestId
const asData = (data: unknown) => ({ data })

/** Collects what the program logs, to check what reaches the logs and what does not. */
const capturingLogs = Effect.sync(() => {
  const lines: Array<string> = []
  const logger = Logger.make(({ message, annotations }) => {
    const parts = Array.isArray(message) ? message : [message]
    lines.push(`${parts.map(String).join(" ")} ${JSON.stringify([...annotations])}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
})

describe("HTTP responses", () => {
  it("wrap data in the success envelope with JSON headers", () => {
    expect(successResponse(requestId, { data: { id: 9223372036854775807n } })).toEqual({
      status: 200,
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: '{"meta":{"request_id":"BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN"},"data":{"id":9223372036854775807}}'
    })
  })

  it.each([400, 401, 403, 422, 429, 500] as const)("match the seed's %i example", (status) => {
    const errors = {
      400: new BadRequest({ description: "x" }),
      401: new Unauthorized({}),
      403: new Forbidden({ description: "x" }),
      422: new UnprocessableEntity({ description: "x" }),
      429: new TooManyRequests({ retryAfterSeconds: 60 }),
      500: new InternalServerError()
    }
    const response = errorResponse(requestId, errors[status])
    expect(response.status).toBe(status)
    const { meta, error } = JSON.parse(response.body) as { meta: unknown; error: { description?: string } }
    const seed = JSON.parse(SEED_ERROR_BODIES[status]) as { meta: unknown; error: object }
    expect(meta).toEqual(seed.meta)
    const { description: _, ...withoutDescription } = error
    expect(withoutDescription).toEqual(seed.error)
  })

  it("keep meta to the request id, as SPEC's envelope has it, and carry a success's own headers", () => {
    const response = successResponse(requestId, { data: [], headers: { link: '<?cursor=x>; rel="next"' } })
    expect(response.body).toBe('{"meta":{"request_id":"BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN"},"data":[]}')
    expect(response.headers).toEqual({
      "content-type": "application/json",
      "x-request-id": requestId,
      link: '<?cursor=x>; rel="next"'
    })
  })

  it("answer the transport's own errors: 405 naming the methods, and an unknown route as SPEC's 404", () => {
    const wrongMethod = errorResponse(requestId, new MethodNotAllowed({ allowed: ["GET", "PATCH"] }))
    expect([wrongMethod.status, wrongMethod.body]).toEqual([
      405,
      '{"meta":{"request_id":"BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN"},"error":{"code":"METHOD_NOT_ALLOWED","message":"The method is not allowed for this resource.","description":"This resource accepts GET, PATCH."}}'
    ])
    const unknownRoute = errorResponse(requestId, new RouteNotFound())
    expect([unknownRoute.status, unknownRoute.body]).toEqual([
      404,
      '{"meta":{"request_id":"BXaEFVtjc7TXaJxgZhmFgSUD9edqq_CN"},"error":{"code":"NOT_FOUND","message":"Not Found","description":"The requested route could not be found or you do not have access to it."}}'
    ])
  })

  it("challenge for credentials on 401 and tell when to retry on 429", () => {
    expect(errorResponse(requestId, new Unauthorized({})).headers["www-authenticate"]).toBe("Bearer")
    expect(errorResponse(requestId, new TooManyRequests({ retryAfterSeconds: 60 })).headers["retry-after"]).toBe("60")
    expect(errorResponse(requestId, new MethodNotAllowed({ allowed: ["GET", "PATCH"] })).headers.allow).toBe(
      "GET, PATCH"
    )
    expect(errorResponse(requestId, new Conflict({ description: "x" })).headers).toEqual({
      "content-type": "application/json",
      "x-request-id": requestId
    })
  })

  it.effect("answer an operation's typed failure with its envelope", () =>
    Effect.gen(function* () {
      const response = yield* respond(Effect.fail(new NotFound({ resource: "backfill" })), asData, requestId)
      expect(response.status).toBe(404)
      expect(JSON.parse(response.body)).toEqual({
        meta: { request_id: requestId },
        error: {
          code: "NOT_FOUND",
          message: "Not Found",
          description: "The requested backfill could not be found or you do not have access to it."
        }
      })
    })
  )

  it.effect("answer a defect with a bare 500 and log it with the request id, leaking nothing", () =>
    Effect.gen(function* () {
      const { lines, layer } = yield* capturingLogs
      const response = yield* respond(
        Effect.die(new Error("pg: password authentication failed")),
        asData,
        requestId
      ).pipe(Effect.provide(layer))
      expect(response.status).toBe(500)
      expect(JSON.parse(response.body)).toEqual(JSON.parse(SEED_ERROR_BODIES[500]))
      const logged = lines.join("\n")
      expect(logged).toContain("pg: password authentication failed")
      expect(logged).toContain(requestId)
    })
  )

  it.effect("answer a defect while encoding the result with a bare 500", () =>
    Effect.gen(function* () {
      const response = yield* respond(
        Effect.succeed(1),
        () => {
          throw new Error("cannot encode")
        },
        requestId
      )
      expect(response.status).toBe(500)
      expect(response.body).not.toContain("cannot encode")
    })
  )

  it.effect("log an unavailable port's cause, answering 503 without it", () =>
    Effect.gen(function* () {
      const { lines, layer } = yield* capturingLogs
      const response = yield* respond(
        Effect.fail(new ServiceUnavailable({ cause: new Error("timeout after 5000ms on db-7") })),
        asData,
        requestId
      ).pipe(Effect.provide(layer))
      expect(response.status).toBe(503)
      expect(response.body).not.toContain("db-7")
      expect(lines.join("\n")).toContain("db-7")
    })
  )

  it.effect("use the host's request id when well formed, and make one otherwise", () =>
    Effect.gen(function* () {
      const kept = yield* respond(Effect.succeed(1), asData, "host-request-0001")
      expect(kept.headers["x-request-id"]).toBe("host-request-0001")
      const made = yield* respond(Effect.succeed(1), asData, "no")
      expect(made.headers["x-request-id"]).toMatch(/^[0-9A-F]{8}-/)
      expect(JSON.parse(made.body).meta.request_id).toBe(made.headers["x-request-id"])
    })
  )
})
