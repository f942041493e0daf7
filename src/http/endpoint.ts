/**
 * An endpoint of the API as data: its name, method, path template and handler. The
 * endpoint table (`ENDPOINTS`) lists them once; the route list hosts loop over, the
 * Promise facade's methods and the HttpApi definition are all derived from it.
 */
import type { Effect } from "effect"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import type { HostRequest } from "./caller.js"
import type { EndpointContract } from "./contract.js"
import type { MethodNotAllowed } from "./errors.js"
import type { PageCursors } from "./pageCursor.js"
import type { HttpResponse } from "./response.js"

/**
 * What the handlers need from the host: the API's ports and the page cursors' key.
 *
 * @since 0.2.0
 * @category routing
 */
export type ApiServices = Authenticator | TransferLookup | BackfillRepository | PageCursors

/**
 * The methods the API's routes answer: `GET`, `POST` and `PATCH`.
 *
 * @since 0.2.0
 * @category routing
 */
export type ApiMethod = MethodNotAllowed["allowed"][number]

/**
 * One endpoint: the operation it runs (`name`, also the Promise facade's method), its
 * method, its path template (`:name` for a parameter, the syntax Express, Fastify and Hono
 * share), whether it answers pages, and the handler, which never fails: every failure is
 * an envelope.
 *
 * @since 0.2.0
 * @category routing
 */
export interface Endpoint<Name extends string, Request, Response extends HttpResponse = HttpResponse> {
  /** The operation it runs, and the Promise facade's method. */
  readonly name: Name
  readonly method: ApiMethod
  /** A path template: literal segments and `:team_id`, `:transfer_id`, `:backfill_id`. */
  readonly path: string
  /** A listing: its response also carries the next page's cursor as `nextCursor`. */
  readonly paged: Response extends { readonly nextCursor: string | null } ? true : false
  /** Answers a request of this endpoint; never fails: every failure is an envelope. */
  readonly handle: (request: Request & HostRequest) => Effect.Effect<Response, never, ApiServices>
  /** What it promises on the wire, for the HttpApi definition and the OpenAPI document. */
  readonly contract: EndpointContract
}
