import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { API_PATHS, API_ROUTES, methodNotAllowedResponse, routeNotFoundResponse } from "transfer-backfills"
import { BackfillApi } from "transfer-backfills/http-api"

describe("the route table", () => {
  it("has every endpoint of the HttpApi definition, with the same method and path, and nothing else", () => {
    const defined = Object.values(BackfillApi.groups).flatMap((group) =>
      Object.values(group.endpoints).map(({ method, path }) => `${method} ${path}`)
    )
    expect(API_ROUTES.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(defined.sort())
  })

  it("groups the routes by path with each path's methods, for the 405s", () => {
    expect(API_PATHS.map(({ path, methods }) => `${path} ${methods.join(",")}`)).toEqual([
      "/teams/:team_id/transfers/:transfer_id/backfills POST",
      "/teams/:team_id/transfers/:transfer_id/backfills/latest GET",
      "/teams/:team_id/backfills/:backfill_id GET,PATCH",
      "/teams/:team_id/backfills GET",
      "/teams/:team_id/transfers/:transfer_id/backfills/preview POST",
      "/teams/:team_id/backfills/:backfill_id/retry POST",
      "/teams/:team_id/backfills/:backfill_id/runs GET"
    ])
  })

  it.effect("answers an unknown path with SPEC's 404 envelope and a wrong method with 405 and Allow", () =>
    Effect.gen(function* () {
      const missing = yield* routeNotFoundResponse("routes-request-0001")
      expect([missing.status, missing.body]).toEqual([
        404,
        '{"meta":{"request_id":"routes-request-0001"},"error":{"code":"NOT_FOUND","message":"Not Found","description":"The requested route could not be found or you do not have access to it."}}'
      ])
      const wrong = yield* methodNotAllowedResponse(["GET", "PATCH"])
      expect([wrong.status, wrong.headers.allow, JSON.parse(wrong.body).error.code]).toEqual([
        405,
        "GET, PATCH",
        "METHOD_NOT_ALLOWED"
      ])
    })
  )
})
