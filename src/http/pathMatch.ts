/**
 * Finding the route of a request target as sent: raw segments, never decoded first, so
 * `%31` reaches the library as `%31` (and is refused there) on every host, and a `.` or
 * `..` segment is refused rather than resolved. Hosts that route by themselves get the
 * same answers from `API_ROUTES`; the standard handlers and the reference host use this.
 */
import { BadRequest } from "../domain/errors.js"
import type { ApiMethod } from "./endpoint.js"
import type { QueryParams } from "./request.js"
import { API_ROUTES, type ApiRoute } from "./routes.js"

/**
 * A path of the API and the routes it answers, one per method.
 *
 * @since 0.2.0
 * @category routing
 */
export interface ApiPath {
  readonly segments: ReadonlyArray<string>
  readonly routes: readonly [ApiRoute, ...Array<ApiRoute>]
}

const API_PATH_TABLE: ReadonlyArray<ApiPath> = (() => {
  const byPath = new Map<string, ApiPath>()
  for (const route of API_ROUTES) {
    const known = byPath.get(route.path)
    byPath.set(route.path, {
      segments: route.path.slice(1).split("/"),
      routes: known === undefined ? [route] : [...known.routes, route]
    })
  }
  return [...byPath.values()]
})()

/**
 * What a path is to the API: malformed (a 400), unknown (a 404), or one of its paths with
 * the raw values of its parameters.
 *
 * @since 0.2.0
 * @category routing
 */
export type PathMatch =
  | { readonly _tag: "Malformed"; readonly error: BadRequest }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Found"; readonly path: ApiPath; readonly params: Readonly<Record<string, string>> }

const malformed = (description: string): PathMatch => ({ _tag: "Malformed", error: new BadRequest({ description }) })

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i

/**
 * The API path a raw request path (no query) names, with its parameters as sent.
 *
 * @since 0.2.0
 * @category routing
 */
export const matchPath = (rawPath: string): PathMatch => {
  if (!rawPath.startsWith("/")) return malformed("The request target must be a path starting with /.")
  const segments = rawPath.slice(1).split("/")
  if (segments.some((segment) => DOT_SEGMENT.test(segment))) {
    return malformed("The request path must not contain . or .. segments.")
  }
  for (const candidate of API_PATH_TABLE) {
    if (candidate.segments.length !== segments.length) continue
    const params: Record<string, string> = {}
    const fits = candidate.segments.every((expected, index) => {
      const actual = segments[index] ?? ""
      if (!expected.startsWith(":")) return actual === expected
      params[expected.slice(1)] = actual
      return actual !== ""
    })
    if (fits) return { _tag: "Found", path: candidate, params }
  }
  return { _tag: "Unknown" }
}

/**
 * The route of a found path for a method, or the methods it allows.
 *
 * @since 0.2.0
 * @category routing
 */
export const routeFor = (
  path: ApiPath,
  method: string
): { readonly route: ApiRoute } | { readonly allowed: readonly [ApiMethod, ...Array<ApiMethod>] } => {
  const route = path.routes.find((candidate) => candidate.method === method)
  if (route !== undefined) return { route }
  const [first, ...rest] = path.routes
  return { allowed: [first.method, ...rest.map(({ method }) => method)] }
}

/**
 * A request target split at its first `?`: the raw path and the raw query.
 *
 * @since 0.2.0
 * @category routing
 */
export const splitTarget = (target: string): { readonly path: string; readonly search: string } => {
  const question = target.indexOf("?")
  return question === -1
    ? { path: target, search: "" }
    : { path: target.slice(0, question), search: target.slice(question + 1) }
}

/**
 * A raw query string's parameters, decoded as forms are: a name given once is a string,
 * given more often an array in the order sent.
 *
 * @since 0.2.0
 * @category routing
 */
export const queryOf = (search: string): QueryParams => {
  const params = new URLSearchParams(search)
  const query: Record<string, string | Array<string>> = {}
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    query[name] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}
