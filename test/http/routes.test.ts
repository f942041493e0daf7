import { HttpApiClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { API_PATHS, API_ROUTES, methodNotAllowedResponse, routeNotFoundResponse } from "transfer-backfills"
import { BackfillApi, openApiDocument } from "transfer-backfills/http-api"

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

describe("the OpenAPI document", () => {
  it("offers the optional Idempotency-Key header on create, cancel and retry, and nowhere else", () => {
    const keyed = Object.entries(openApiDocument().paths).flatMap(([path, item]) =>
      Object.entries(
        item as Record<string, { parameters?: ReadonlyArray<{ name: string; in: string; required?: boolean }> }>
      )
        .filter(([, operation]) =>
          operation.parameters?.some(
            (parameter) =>
              parameter.in === "header" && parameter.name === "Idempotency-Key" && parameter.required === false
          )
        )
        .map(([method]) => `${method} ${path}`)
    )
    expect(keyed.sort()).toEqual([
      "patch /teams/{team_id}/backfills/{backfill_id}",
      "post /teams/{team_id}/backfills/{backfill_id}/retry",
      "post /teams/{team_id}/transfers/{transfer_id}/backfills"
    ])
  })

  it("leaves the typed client's calls of the seed endpoints as they were: no headers argument", () => {
    // Type-checked, never run: a client written against 0.1 keeps compiling.
    const typedCalls = Effect.gen(function* () {
      const client = yield* HttpApiClient.make(BackfillApi)
      return [
        client.backfills.schedule({
          path: { team_id: "1", transfer_id: "2" },
          payload: { range_start: "2024-01-01", range_end: "2024-01-02" }
        }),
        client.backfills.cancel({ path: { team_id: "1", backfill_id: "3" }, payload: { status: "CANCELLED" } })
      ]
    })
    expect(Effect.isEffect(typedCalls)).toBe(true)
  })
})
