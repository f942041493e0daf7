/**
 * The reference host's routes: the library's dispatcher over the host's request (raw
 * target, headers, body stream), and its own `GET /openapi.json`.
 */
import type { HttpServerRequest } from "@effect/platform"
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { answerMatched, refusal } from "../http/dispatch.js"
import type { HttpError } from "../http/errors.js"
import type { PageCursors } from "../http/pageCursor.js"
import type { PathMatch } from "../http/pathMatch.js"
import type { HttpResponse } from "../http/response.js"
import { openApiDocument } from "../httpApi/api.js"
import { incomingFromServerRequest } from "../httpApi/serverRequest.js"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository, WorkerRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"

type Request = HttpServerRequest.HttpServerRequest

/**
 * What the reference host's handlers need: the API's ports, the page cursors' key and,
 * for its in-process worker, the worker's half of the repository.
 */
export type HostServices = Authenticator | TransferLookup | BackfillRepository | WorkerRepository | PageCursors

/** Answers with a library error envelope for a failure found before any endpoint ran. */
export const refuse = (request: Request, error: HttpError) => refusal(error, request.headers["x-request-id"])

let document: ReturnType<typeof openApiDocument> | undefined
const servedDocument = () => {
  document ??= openApiDocument()
  return document
}

/** The answer of a matched request: the OpenAPI document, or the library's route. */
export const route = (
  request: Request,
  headerCount: number,
  match: PathMatch,
  search: string,
  path: string
): Effect.Effect<HttpResponse | HttpServerResponse.HttpServerResponse, never, HostServices> =>
  path === "/openapi.json" && request.method === "GET"
    ? Effect.succeed(HttpServerResponse.unsafeJson(servedDocument()))
    : answerMatched(incomingFromServerRequest(request, headerCount), match, search)
