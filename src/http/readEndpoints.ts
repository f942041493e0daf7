/**
 * The two kinds of read endpoint, each built once: a `GET` of one backfill (404 when the
 * caller's team has none to show) and a `GET` of a listing's page, whose response also
 * offers the next page.
 */
import type { Effect } from "effect"
import type { Backfill } from "../domain/backfill.js"
import { type HostRequest, oneBackfill } from "./caller.js"
import { BackfillEnvelope, type EndpointContract } from "./contract.js"
import type { HttpError } from "./errors.js"
import { type ListedPage, respondWithPage } from "./listing.js"
import type { QueryParams } from "./request.js"
import { respond } from "./response.js"

/**
 * The entry of a `GET` that answers with one backfill: `read` finds it for the request's
 * caller; a failure is its envelope.
 */
export const oneBackfillEndpoint = <const Name extends string, Request, E extends HttpError, R>(
  name: Name,
  path: string,
  read: (request: Request) => Effect.Effect<Backfill, E, R>,
  contract: Pick<EndpointContract, "apiName" | "summary">
) =>
  ({
    name,
    method: "GET",
    path,
    paged: false,
    /** Answers the request; never fails: every failure is an envelope. */
    handle: (request: Request & HostRequest) => respond(read(request), oneBackfill, request.requestId),
    contract: { ...contract, success: BackfillEnvelope, errors: [404] }
  }) as const

/**
 * The entry of a `GET` that answers with a page of a listing: `listed` reads the page the
 * request's query asks for; the response offers the next page in a `link` header and in
 * `nextCursor`.
 */
export const listingEndpoint = <
  const Name extends string,
  Request extends { readonly query: QueryParams },
  E extends HttpError,
  R
>(
  name: Name,
  path: string,
  listed: (request: Request) => Effect.Effect<ListedPage, E, R>,
  contract: EndpointContract
) =>
  ({
    name,
    method: "GET",
    path,
    paged: true,
    /** Answers the request with a page; never fails: every failure is an envelope. */
    handle: (request: Request & HostRequest) => respondWithPage(request.query, listed(request), request.requestId),
    contract
  }) as const
