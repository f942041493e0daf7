/**
 * What both listings answer with, whatever they list: a page of items in the success
 * envelope, the next page offered in a `link` header (RFC 8288) and, beside the response,
 * as `nextCursor`, for hosts that offer it in a shape of their own.
 */
import { Effect, Option, Ref } from "effect"
import type { HttpError } from "./errors.js"
import { type QueryParams, queryValues } from "./request.js"
import { type HttpResponse, respond, type SuccessBody } from "./response.js"

/**
 * A listing's response: also the cursor of the next page, which its `link` header carries,
 * for hosts that offer it in a shape of their own.
 *
 * @since 0.2.0
 * @category models
 */
export interface BackfillPageResponse extends HttpResponse {
  /** The signed cursor of the next page; `null` on the last page and on every error. */
  readonly nextCursor: string | null
}

/**
 * The answer of `GET …/backfills/{backfill_id}/runs`: the response, and the signed cursor
 * of the next page (`null` on the last page and on every error).
 *
 * @since 0.2.0
 * @category responses
 */
export type RunPageResponse = BackfillPageResponse

/** How to ask for the page after this one. */
export interface NextPage {
  /** The signed cursor of the next page. */
  readonly cursor: string
  /** The status filter the page was read with, comma-separated, as a query writes it. */
  readonly statuses: string
  readonly limit: number
}

/** A page as a listing endpoint answers it: its items in their wire form, and the next page, if any. */
export interface ListedPage {
  readonly data: ReadonlyArray<unknown>
  readonly next: Option.Option<NextPage>
}

/**
 * The next page's address as an RFC 8288 link: a query-only relative reference (RFC 3986
 * §5.2.2), so it resolves against whatever path the host mounted the listing at. It
 * repeats the filter and size the request gave, which the cursor must be used with.
 */
const nextPageLink = (query: QueryParams, next: NextPage) => {
  // Statuses, digits and a base64url cursor need no percent-encoding in a query.
  const parameters = [
    queryValues(query, "status").length > 0 ? `status=${next.statuses}` : [],
    query.limit !== undefined ? `limit=${next.limit}` : [],
    `cursor=${next.cursor}`
  ].flat()
  return `<?${parameters.join("&")}>; rel="next"`
}

/**
 * The next page of a listing whose page request is `next`, if any: its cursor signed by
 * `sign` from the last item of this page (`after`).
 */
export const nextPageOf = <Request extends { readonly limit: number; readonly after: Option.Option<unknown> }>(
  next: Option.Option<Request>,
  statuses: (request: Request) => string,
  sign: (request: Request, after: Option.Option.Value<Request["after"]>) => Effect.Effect<string>
): Effect.Effect<Option.Option<NextPage>> =>
  Effect.transposeMapOption(next, (request) =>
    Effect.flatMap(Effect.orDie(request.after as Option.Option<Option.Option.Value<Request["after"]>>), (after) =>
      Effect.map(sign(request, after), (cursor) => ({ cursor, statuses: statuses(request), limit: request.limit }))
    )
  )

/**
 * Answers a listing: `data` is the page, as SPEC's envelope has it, the next page is
 * offered in a `link` header, and its cursor beside the response.
 */
export const respondWithPage = <E extends HttpError, R>(
  query: QueryParams,
  listed: Effect.Effect<ListedPage, E, R>,
  requestId: string | undefined
): Effect.Effect<BackfillPageResponse, never, R> =>
  Effect.gen(function* () {
    const nextCursor = yield* Ref.make<string | null>(null)
    const response = yield* respond(
      Effect.tap(listed, (page) => Ref.set(nextCursor, Option.getOrNull(Option.map(page.next, (next) => next.cursor)))),
      (page): SuccessBody => ({
        data: page.data,
        ...Option.match(page.next, {
          onNone: () => ({}),
          onSome: (next) => ({ headers: { link: nextPageLink(query, next) } })
        })
      }),
      requestId
    )
    return { ...response, nextCursor: yield* Ref.get(nextCursor) }
  })
