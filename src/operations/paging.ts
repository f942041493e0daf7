/**
 * What the listings share: their largest page, what they are asked, and a page read one
 * item long, to tell whether another follows.
 */
import { Effect, Option } from "effect"
import type { Principal, ReadAccess } from "../domain/access.js"
import type { TeamId } from "../domain/ids.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { requireAccess } from "./access.js"
import { type Deferred, readDeferred } from "./deferred.js"

/**
 * The most items one page of a listing holds.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_PAGE_SIZE = 100

/** Where a page starts, and how many items it holds at most. */
interface PageStart {
  readonly limit: number
  readonly after: Option.Option<unknown>
}

/** A page's items, and the request for the next page (`None` on the last). */
interface ListedItems<Item, Request> {
  readonly items: ReadonlyArray<Item>
  readonly next: Option.Option<Request>
}

/**
 * The page of `found` (read with a limit one above the page's, as the listings ask their
 * repository), and the request for the next page, which starts after the page's last item
 * (`keyOf`); `None` when nothing follows.
 *
 * @since 0.2.0
 * @category utils
 */
const pageOf = <Item, Request extends PageStart>(
  found: ReadonlyArray<Item>,
  page: Request,
  keyOf: (item: Item) => Option.Option.Value<Request["after"]>
): ListedItems<Item, Request> => {
  const items = found.slice(0, page.limit)
  const last = items.at(-1)
  return {
    items,
    next:
      found.length <= page.limit || last === undefined
        ? Option.none()
        : Option.some({ ...page, after: Option.some(keyOf(last)) } as Request)
  }
}

/**
 * What a listing of one of the team's things is asked: who asks, the team, and the page.
 * A transport whose page request must be read first (query parameters, a signed cursor)
 * passes the reading instead: it runs after the listing's own checks.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListingQuery<Request, E = never, R = never> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly page: Deferred<Request, E, R>
}

/**
 * A page of a listing: its request, read now; the items `fetch` finds for it, asked one
 * more than the page holds; and the request for the next page.
 *
 * @since 0.2.0
 * @category utils
 */
export const readPage = <Request extends PageStart, Item, E, R, FetchError, FetchR>(
  page: Deferred<Request, E, R>,
  fetch: (request: Request, limit: number) => Effect.Effect<ReadonlyArray<Item>, FetchError, FetchR>,
  keyOf: (item: Item) => Option.Option.Value<Request["after"]>
): Effect.Effect<ListedItems<Item, Request>, E | FetchError, R | FetchR> =>
  Effect.flatMap(readDeferred(page), (request) =>
    Effect.map(fetch(request, request.limit + 1), (found) => pageOf(found, request, keyOf))
  )

/**
 * A page of one of a listing's teams, in SPEC §3's order: the caller's read access to the
 * team, then `check` (that the listed backfill is the team's, say), then the page asked
 * for, read from the repository by `fetch`.
 *
 * @since 0.3.0
 * @category utils
 */
export const readTeamPage = <Request extends PageStart, Item, E, R, FetchError, CheckError = never>(
  query: ListingQuery<Request, E, R>,
  fetch: (
    repository: BackfillRepository["Type"],
    access: ReadAccess,
    request: Request,
    limit: number
  ) => Effect.Effect<ReadonlyArray<Item>, FetchError>,
  keyOf: (item: Item) => Option.Option.Value<Request["after"]>,
  check: (access: ReadAccess) => Effect.Effect<unknown, CheckError, BackfillRepository> = () => Effect.void
) =>
  Effect.gen(function* () {
    const access = yield* requireAccess(query.principal, query.teamId, "read")
    yield* check(access)
    const repository = yield* BackfillRepository
    return yield* readPage(query.page, (request, limit) => fetch(repository, access, request, limit), keyOf)
  })
