/**
 * The router every standard handler and the reference host answer through: a request
 * target is split at its first `?`, its path matched segment by segment as sent (never
 * decoded, `.` and `..` refused rather than resolved), and its query read as forms are.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { API_ROUTES, matchPath, queryOf, routeFor, splitTarget } from "transfer-backfills"

const DOT_SEGMENTS_REFUSED = "The request path must not contain . or .. segments."

const found = (rawPath: string) => {
  const match = matchPath(rawPath)
  if (match._tag !== "Found") throw new Error(`${rawPath} matched ${match._tag}`)
  return match
}

const pathsOf = (rawPath: string) => found(rawPath).path.routes.map(({ method, path }) => `${method} ${path}`)

/** The literal segments of the table: a parameter spelling one may find another route first. */
const LITERALS = new Set(API_ROUTES.flatMap(({ path }) => path.split("/")))

/** A parameter as a client may send it: anything but a `/`, an empty segment, a dot segment or a literal. */
const parameter = fc
  .stringMatching(/^[^/]{1,12}$/)
  .filter((segment) => !/^(\.|%2e){1,2}$/i.test(segment) && !LITERALS.has(segment))

describe("matchPath", () => {
  it("finds each route's path with its parameters as sent, by name", () => {
    expect(found("/teams/1/backfills/%34%32").params).toEqual({ team_id: "1", backfill_id: "%34%32" })
    expect(pathsOf("/teams/1/backfills/42")).toEqual([
      "GET /teams/:team_id/backfills/:backfill_id",
      "PATCH /teams/:team_id/backfills/:backfill_id"
    ])
    expect(found("/teams/7/transfers/9/backfills/latest").params).toEqual({ team_id: "7", transfer_id: "9" })
    expect(pathsOf("/teams/7/transfers/9/backfills/preview")).toEqual([
      "POST /teams/:team_id/transfers/:transfer_id/backfills/preview"
    ])
    expect(pathsOf("/teams/1/backfills/42/runs")).toEqual(["GET /teams/:team_id/backfills/:backfill_id/runs"])
  })

  it.prop(
    "finds every route's path whatever its parameters hold, and hands them on untouched",
    [fc.constantFrom(...API_ROUTES.map(({ path }) => path)), parameter, parameter],
    ([template, first, second]) => {
      const values = [first, second]
      const params: Record<string, string> = {}
      const rawPath = template.replace(/:(\w+)/g, (_, name: string) => {
        params[name] = values.shift() ?? ""
        return params[name]
      })
      const match = found(rawPath)
      expect(match.path.routes.map(({ path }) => path)).toContain(template)
      expect(match.params).toEqual(params)
    }
  )

  it.each([
    ["a literal segment differs", "/teams/1/backfillz/42"],
    ["its last literal is another word", "/teams/1/transfers/9/backfills/newest"],
    ["a parameter is empty", "/teams//backfills/42"],
    ["the last parameter is empty", "/teams/1/backfills/"],
    ["it has a trailing slash", "/teams/1/backfills/42/runs/"],
    ["it has one segment too many", "/teams/1/backfills/42/runs/5"],
    ["it is the root", "/"],
    ["its case differs", "/Teams/1/backfills/42"]
  ])("answers Unknown when %s (%s)", (_, rawPath) => {
    expect(matchPath(rawPath)).toEqual({ _tag: "Unknown" })
  })

  it.each([".", "..", "%2e", "%2E", "%2e%2E", ".%2e", "%2E."])(
    "refuses the dot segment %s anywhere in the path, before any route is tried",
    (dots) => {
      for (const rawPath of [
        `/teams/1/backfills/${dots}`,
        `/teams/${dots}/backfills/42`,
        `/${dots}/teams/1/backfills`
      ]) {
        const match = matchPath(rawPath)
        expect(match._tag === "Malformed" ? match.error.description : match._tag).toBe(DOT_SEGMENTS_REFUSED)
      }
    }
  )

  it.each(["...", "..5", "5..", ".5", "a.b", "%2e%2e%2e"])("takes %s as an ordinary segment", (segment) => {
    expect(found(`/teams/1/backfills/${segment}`).params.backfill_id).toBe(segment)
  })

  it.each(["teams/1/backfills", "*", "http://example.com/teams/1/backfills", ""])(
    "refuses %j, which does not start with /",
    (rawPath) => {
      const match = matchPath(rawPath)
      expect(match._tag === "Malformed" ? match.error.description : match._tag).toBe(
        "The request target must be a path starting with /."
      )
    }
  )
})

describe("routeFor", () => {
  it("gives the route of the method, or the methods the path allows in the table's order", () => {
    const { path } = found("/teams/1/backfills/42")
    expect(routeFor(path, "PATCH")).toEqual({ route: path.routes[1] })
    expect(routeFor(path, "GET")).toEqual({ route: path.routes[0] })
    expect(routeFor(path, "DELETE")).toEqual({ allowed: ["GET", "PATCH"] })
    expect(routeFor(path, "get")).toEqual({ allowed: ["GET", "PATCH"] })
    expect(routeFor(found("/teams/1/backfills").path, "POST")).toEqual({ allowed: ["GET"] })
  })
})

describe("splitTarget", () => {
  it("splits at the first ? only", () => {
    expect(splitTarget("/teams/1/backfills?limit=5&status=?")).toEqual({
      path: "/teams/1/backfills",
      search: "limit=5&status=?"
    })
    expect(splitTarget("/teams/1/backfills?")).toEqual({ path: "/teams/1/backfills", search: "" })
    expect(splitTarget("/teams/1/backfills")).toEqual({ path: "/teams/1/backfills", search: "" })
    expect(splitTarget("?limit=5")).toEqual({ path: "", search: "limit=5" })
  })
})

describe("queryOf", () => {
  it("reads a name given once as a string and one given more often as an array in the order sent", () => {
    expect(queryOf("status=failed&limit=5&status=succeeded&status=failed")).toEqual({
      status: ["failed", "succeeded", "failed"],
      limit: "5"
    })
  })

  it("decodes as forms are, and reads nothing from an empty query", () => {
    expect(queryOf("page_token=a%2Bb+c&empty=&flag")).toEqual({ page_token: "a+b c", empty: "", flag: "" })
    expect(queryOf("")).toEqual({})
  })
})
