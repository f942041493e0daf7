/**
 * What `dispatch` does before an endpoint runs: the header count checked against its
 * limit, the body gathered up to `MAX_BODY_BYTES` and read only by routes that have one,
 * the query handed to `GET` routes, and SPEC's envelopes for what no route takes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { BadRequest } from "../../src/domain/errors.js"
import { bodyCollector, bodyCutOff, dispatch, type IncomingApiRequest } from "../../src/http/dispatch.js"
import { MAX_REQUEST_HEADERS } from "../../src/http/headerLimit.js"
import { MAX_BODY_BYTES } from "../../src/http/request.js"
import { call, scheduleSeedBackfill } from "../operations/http.js"
import { world } from "../operations/world.js"
import { incomingRequest } from "../support/incoming.js"

const NEVER_READ: IncomingApiRequest["body"] = Effect.die("a route without a body read one")

const incoming = (
  method: string,
  target: string,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly body?: IncomingApiRequest["body"] } = {}
) =>
  incomingRequest(
    method,
    target,
    { "x-request-id": "dispatch-request-0001", ...options.headers },
    options.body ?? NEVER_READ
  )

const bodyOf = (text: string) => Effect.succeed(new TextEncoder().encode(text))

const gathered = (chunkSizes: ReadonlyArray<number>) => {
  const collector = bodyCollector()
  let next = 0
  for (const size of chunkSizes) {
    collector.add(Uint8Array.from({ length: size }, () => next++ % 251))
  }
  return Effect.runSyncExit(collector.bytes())
}

describe("bodyCollector", () => {
  it("joins the chunks of a body of exactly MAX_BODY_BYTES in the order they came", () => {
    const exit = gathered([1, 4095, 0, 8192, MAX_BODY_BYTES - 12_288])
    if (!Exit.isSuccess(exit) || exit.value === undefined) throw new Error("the body was refused")
    expect(exit.value.byteLength).toBe(MAX_BODY_BYTES)
    expect(exit.value.every((byte, index) => byte === index % 251)).toBe(true)
  })

  it.each([
    ["one byte over, in its last chunk", [MAX_BODY_BYTES, 1]],
    ["over in one chunk", [MAX_BODY_BYTES + 1]],
    ["over, with chunks still coming after", [MAX_BODY_BYTES - 1, 2, 10, 10]]
  ])("refuses a body %s with the body limit's 400", (_, sizes) => {
    expect(gathered(sizes)).toEqual(
      Exit.fail(new BadRequest({ description: `The request body must not exceed ${MAX_BODY_BYTES} bytes.` }))
    )
  })

  it("reads no chunk, or only empty ones, as no body", () => {
    expect(gathered([])).toEqual(Exit.succeed(undefined))
    expect(gathered([0, 0])).toEqual(Exit.succeed(undefined))
  })

  it("says what a body cut off is", () => {
    expect(bodyCutOff()).toEqual(new BadRequest({ description: "The request body could not be read to its end." }))
  })
})

describe("dispatch", () => {
  it.effect("takes as many header lines as its limit allows and refuses one more", () =>
    Effect.gen(function* () {
      const id = yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      const request = incoming("GET", `/teams/1/backfills/${id}`, { headers: { accept: "*/*" } })
      expect(request.headerCount).toBe(3)
      expect((yield* dispatch(request, { maxRequestHeaders: 3 })).status).toBe(200)
      const refused = yield* call(dispatch(request, { maxRequestHeaders: 2 }))
      expect([refused.status, refused.error.code]).toEqual([400, "BAD_REQUEST"])
      const many = { ...request, headerCount: MAX_REQUEST_HEADERS }
      expect((yield* dispatch(many)).status).toBe(200)
      expect((yield* dispatch({ ...many, headerCount: MAX_REQUEST_HEADERS + 1 })).status).toBe(400)
    }).pipe(Effect.provide(world()))
  )

  it.effect("hands a GET route its query and never reads a body for it", () =>
    Effect.gen(function* () {
      yield* scheduleSeedBackfill("2024-01-01", "2024-01-02")
      const page = yield* call(dispatch(incoming("GET", "/teams/1/backfills?limit=1&status=CREATED&status=SCHEDULED")))
      expect([page.status, (page.data as ReadonlyArray<unknown>).length]).toEqual([200, 1])
      const refused = yield* call(dispatch(incoming("GET", "/teams/1/backfills?limit=0")))
      expect([refused.status, refused.error.code]).toEqual([400, "BAD_REQUEST"])
    }).pipe(Effect.provide(world()))
  )

  it.effect("hands a route with a body the body it reads, and answers a body it cannot read with that 400", () =>
    Effect.gen(function* () {
      const target = "/teams/1/transfers/456789/backfills"
      const created = yield* call(
        dispatch(incoming("POST", target, { body: bodyOf('{"range_start":"2024-01-01","range_end":"2024-01-02"}') }))
      )
      expect([created.status, created.data]).toMatchObject([
        200,
        { range_start_date: "2024-01-01", range_end_date: "2024-01-02" }
      ])
      const cutOff = yield* call(dispatch(incoming("POST", target, { body: Effect.fail(bodyCutOff()) })))
      expect([cutOff.status, cutOff.meta.request_id, cutOff.error.description]).toEqual([
        400,
        "dispatch-request-0001",
        "The request body could not be read to its end."
      ])
    }).pipe(Effect.provide(world()))
  )

  it.effect("answers what no route takes with SPEC's envelopes, reading no body", () =>
    Effect.gen(function* () {
      const malformed = yield* call(dispatch(incoming("POST", "/teams/1/backfills/../runs")))
      const unknown = yield* call(dispatch(incoming("POST", "/teams/1/backfillz")))
      const wrongMethod = yield* call(dispatch(incoming("PUT", "/teams/1/backfills/1")))
      expect(
        [malformed, unknown, wrongMethod].map(({ status, error, meta }) => [status, error.code, meta.request_id])
      ).toEqual([
        [400, "BAD_REQUEST", "dispatch-request-0001"],
        [404, "NOT_FOUND", "dispatch-request-0001"],
        [405, "METHOD_NOT_ALLOWED", "dispatch-request-0001"]
      ])
      expect(wrongMethod.headers.allow).toBe("GET, PATCH")
    }).pipe(Effect.provide(world()))
  )
})
