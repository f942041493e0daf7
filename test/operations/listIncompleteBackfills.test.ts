import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Temporal } from "temporal-polyfill"
import type { Backfill } from "../../src/domain/backfill.js"
import type { BackfillStatus } from "../../src/domain/status.js"
import { handleListIncompleteBackfills, handleScheduleBackfill } from "../../src/http/endpoints.js"
import { layerPageCursors } from "../../src/http/pageCursor.js"
import type { QueryParams } from "../../src/http/request.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { call, type WireBackfill } from "./http.js"
import { bearer, NEW_YORK_TRANSFER, SEED_TRANSFER, TEAM_1, TEAM_2, TEAM_2_TRANSFER, world } from "./world.js"

const STATUSES: ReadonlyArray<BackfillStatus> = ["CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED"]

/** Twelve backfills of team 1, two of each status, on disjoint days; one of team 2. */
const teamOneBackfills: ReadonlyArray<Backfill> = STATUSES.flatMap((status, index) =>
  [0, 1].map((copy) => {
    const day = `2023-${String(index * 2 + copy + 1).padStart(2, "0")}-01`
    return backfillInStatus(status, {
      id: BigInt(10 + index * 2 + copy),
      transferId: copy === 0 ? SEED_TRANSFER : NEW_YORK_TRANSFER,
      start: day,
      end: day
    })
  })
)
const teamTwoBackfill = backfillInStatus("CREATED", {
  id: 99n,
  transferId: TEAM_2_TRANSFER,
  start: "2023-01-01",
  end: "2023-01-01"
})

const seeded = world({
  seed: [
    ...teamOneBackfills.map((backfill) => ({ teamId: TEAM_1, backfill })),
    { teamId: TEAM_2, backfill: teamTwoBackfill }
  ]
})

const list = (query: QueryParams = {}, options: { team?: string; authorization?: string } = {}) =>
  call(
    handleListIncompleteBackfills({
      authorization: options.authorization ?? bearer("admin"),
      path: { team_id: options.team ?? "1" },
      query
    })
  )

const ids = (data: unknown) =>
  (data as ReadonlyArray<WireBackfill>).map((backfill) => Number(backfill.transfer_backfill_id))

const idsIn = (statuses: ReadonlyArray<BackfillStatus>) =>
  teamOneBackfills
    .filter((backfill) => statuses.includes(backfill.status))
    .map((backfill) => Number(backfill.id))
    .reverse()

const LISTING = "https://api.example/v1/teams/1/backfills"

/** The query of a URL, as the handlers take it (repeated names as arrays). */
const queryOf = (url: URL): QueryParams => {
  const query: Record<string, string | Array<string>> = {}
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name)
    query[name] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

/** Where a response's `link: <…>; rel="next"` leads, resolved as a client would against the request's URL. */
const nextPage = (link: string | undefined, requestUrl: URL): URL | undefined => {
  if (link === undefined) return undefined
  const target = /^<([^>]*)>; rel="next"$/.exec(link)?.[1]
  expect(target, link).toBeDefined()
  return new URL(target as string, requestUrl)
}

/** Follows the `link` headers from the first page to the last, as a client would, collecting ids. */
const walk = (query: QueryParams) =>
  Effect.gen(function* () {
    const seen: Array<number> = []
    let url: URL | undefined = new URL(`${LISTING}?${new URLSearchParams(query as Record<string, string>)}`)
    let pages = 0
    while (url !== undefined && pages < 50) {
      const response = yield* list(queryOf(url))
      expect(response.status).toBe(200)
      seen.push(...ids(response.data))
      const next = nextPage(response.headers.link, url)
      expect(next?.pathname).toBe(next === undefined ? undefined : "/v1/teams/1/backfills")
      expect(next?.searchParams.get("cursor") ?? null).toBe(response.nextCursor)
      url = next
      pages += 1
    }
    return { seen, pages }
  })

describe("list incomplete backfills", () => {
  it.effect("lists CREATED, SCHEDULED, RUNNING and FAILED backfills of the team, newest first", () =>
    Effect.gen(function* () {
      const response = yield* list()
      expect(response.status).toBe(200)
      expect(ids(response.data)).toEqual(idsIn(["CREATED", "SCHEDULED", "RUNNING", "FAILED"]))
      expect(response.nextCursor).toBeNull()
      expect(response.headers.link).toBeUndefined()
      expect(Object.keys(response.meta)).toEqual(["request_id"])
    }).pipe(Effect.provide(seeded))
  )

  it.effect("links the next page of a query that named no limit without naming one, the default's 100", () =>
    Effect.gen(function* () {
      const first = yield* list()
      expect([ids(first.data).length, first.headers.link]).toEqual([100, `<?cursor=${first.nextCursor}>; rel="next"`])
      expect(ids((yield* list({ cursor: first.nextCursor as string })).data)).toEqual([1])
    }).pipe(
      Effect.provide(
        world({
          seed: Array.from({ length: 101 }, (_, index) => {
            const day = Temporal.PlainDate.from("2023-01-01").add({ days: index }).toString()
            const backfill = backfillInStatus("CREATED", {
              id: BigInt(index + 1),
              transferId: SEED_TRANSFER,
              start: day,
              end: day
            })
            return { teamId: TEAM_1, backfill }
          })
        })
      )
    )
  )

  it.effect("answers an empty page for a team without backfills", () =>
    Effect.gen(function* () {
      const none = yield* list({}, { team: "2", authorization: bearer("team2") })
      expect(none.status).toBe(200)
      expect(none.data).toEqual([])
      expect(none.nextCursor).toBeNull()
      expect(none.headers.link).toBeUndefined()
    }).pipe(Effect.provide(world()))
  )

  it.effect("filters by the statuses asked for, final ones included, comma-separated or repeated", () =>
    Effect.gen(function* () {
      expect(ids((yield* list({ status: "COMPLETED,CANCELLED" })).data)).toEqual(idsIn(["COMPLETED", "CANCELLED"]))
      expect(ids((yield* list({ status: ["FAILED", "CANCELLED"] })).data)).toEqual(idsIn(["FAILED", "CANCELLED"]))
      expect(ids((yield* list({ status: "RUNNING" })).data)).toEqual(idsIn(["RUNNING"]))
    }).pipe(Effect.provide(seeded))
  )

  it.effect("pages through every backfill exactly once, at most limit per page", () =>
    Effect.gen(function* () {
      const { seen, pages } = yield* walk({ limit: "3", status: STATUSES.join(",") })
      expect(seen).toEqual(idsIn(STATUSES))
      expect(pages).toBe(4)
      const incomplete = yield* walk({ limit: "3" })
      expect(incomplete).toEqual({ seen: idsIn(["CREATED", "SCHEDULED", "RUNNING", "FAILED"]), pages: 3 })
      const first = yield* list({ limit: "5" })
      expect(ids(first.data)).toHaveLength(5)
      expect(typeof first.nextCursor).toBe("string")
      expect(first.headers.link).toBe(`<?limit=5&cursor=${first.nextCursor}>; rel="next"`)
      expect(Object.keys(first.meta)).toEqual(["request_id"])
    }).pipe(Effect.provide(seeded))
  )

  it.effect("keeps later pages stable while new backfills are scheduled", () =>
    Effect.gen(function* () {
      const first = yield* list({ limit: "4" })
      yield* handleScheduleBackfill({
        authorization: bearer("admin"),
        path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
        body: { range_start: "2024-01-01", range_end: "2024-01-31" }
      })
      const second = yield* list({ limit: "4", cursor: first.nextCursor as string })
      expect([...ids(first.data), ...ids(second.data)]).toEqual(idsIn(["CREATED", "SCHEDULED", "RUNNING", "FAILED"]))
      expect(ids((yield* list({ limit: "1" })).data)).toEqual([100])
    }).pipe(Effect.provide(seeded))
  )

  it.effect.each<readonly [string, QueryParams, RegExp]>([
    ["an unknown status", { status: "PAUSED" }, /^Query parameter status must name statuses among CREATED/],
    ["a limit of 0", { limit: "0" }, /^Query parameter limit must be an integer between 1 and 100; got "0"/],
    ["a limit of 101", { limit: "101" }, /^Query parameter limit/],
    ["a limit that is no number", { limit: "ten" }, /^Query parameter limit/],
    ["a limit with a leading zero", { limit: "0100" }, /^Query parameter limit/],
    ["a limit with a sign", { limit: "+5" }, /^Query parameter limit/],
    ["a limit in exponent form", { limit: "1e2" }, /^Query parameter limit/],
    ["a repeated limit", { limit: ["1", "2"] }, /^Query parameter limit must be given at most once/],
    ["an unknown parameter", { sort: "asc" }, /^Query parameter "sort" is not supported/],
    ["a cursor this service did not sign", { cursor: "eyJ0IjoiMSJ9.AAAA" }, /^Query parameter cursor is not a cursor/]
  ])("answers %s with 400 naming the parameter", ([, query, description]) =>
    Effect.gen(function* () {
      const response = yield* list(query)
      expect([response.status, response.error.code]).toEqual([400, "BAD_REQUEST"])
      expect(response.error.description).toMatch(description)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("refuses a cursor that was tampered with, or that belongs to another listing", () =>
    Effect.gen(function* () {
      const cursor = (yield* list({ limit: "2" })).nextCursor as string
      const [payload, signature] = cursor.split(".")
      const forged = `${Buffer.from('{"t":"1","s":["CREATED","SCHEDULED","RUNNING","FAILED"],"b":"99"}').toString("base64url")}.${signature}`
      const flipped = `${payload}.${signature?.startsWith("A") ? "B" : "A"}${signature?.slice(1)}`
      for (const bad of [forged, flipped, `${cursor}.x`, "x".repeat(600), "%%%.%%%"]) {
        expect((yield* list({ cursor: bad })).error.description).toMatch(/^Query parameter cursor is not a cursor/)
      }
      const otherFilter = yield* list({ cursor, status: "COMPLETED" })
      expect(otherFilter.error.description).toMatch(/^Query parameter cursor belongs to another listing/)
      const oneStatus = (yield* list({ limit: "1", status: "CREATED" })).nextCursor as string
      const twoStatuses = (yield* list({ limit: "1", status: "CREATED,SCHEDULED" })).nextCursor as string
      for (const [issued, status] of [
        [oneStatus, "CREATED,SCHEDULED"],
        [twoStatuses, "CREATED"],
        [twoStatuses, "CREATED,RUNNING"]
      ] as const) {
        expect((yield* list({ cursor: issued, status })).error.description).toMatch(
          /^Query parameter cursor belongs to another listing/
        )
      }
      const otherTeam = yield* list({ cursor }, { team: "2", authorization: bearer("bothTeams") })
      expect(otherTeam.error.description).toMatch(/^Query parameter cursor belongs to another listing/)
      expect((yield* list({ cursor })).status).toBe(200)
    }).pipe(Effect.provide(seeded))
  )

  it.effect("refuses a cursor signed with another secret", () =>
    Effect.gen(function* () {
      const cursor = (yield* list({ limit: "2" })).nextCursor as string
      const elsewhere = yield* list({ cursor }).pipe(Effect.provide(layerPageCursors("another-secret")))
      expect(elsewhere.error.description).toMatch(/^Query parameter cursor is not a cursor/)
    }).pipe(Effect.provide(Layer.merge(seeded, layerPageCursors("test-cursor-secret"))))
  )

  it.effect("checks authentication, path and access before the query", () =>
    Effect.gen(function* () {
      expect((yield* list({ limit: "0" }, { authorization: "Bearer nope" })).status).toBe(401)
      expect((yield* list({ limit: "0" }, { team: "x" })).error.description).toMatch(/^Path parameter team_id/)
      expect((yield* list({ limit: "0" }, { team: "2" })).error.code).toBe("FORBIDDEN")
      expect((yield* list({ limit: "0" }, { authorization: bearer("noAccess") })).error.code).toBe("PERMISSION_ERROR")
      expect((yield* list({}, { authorization: bearer("viewer") })).status).toBe(200)
    }).pipe(Effect.provide(seeded))
  )
})
