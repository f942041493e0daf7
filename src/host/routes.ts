/**
 * The reference host's routes: the library's dispatcher over the host's request (raw
 * target, headers, body stream), and its own `GET /openapi.json`.
 */
import { Effect, Option } from "effect"
import { answerMatched } from "../http/dispatch.js"
import { type HttpError, MethodNotAllowed } from "../http/errors.js"
import { stringifyJson } from "../http/json.js"
import type { PageCursors } from "../http/pageCursor.js"
import type { PathMatch } from "../http/pathMatch.js"
import { refusal } from "../http/refusal.js"
import type { HttpResponse } from "../http/response.js"
import { openApiDocument } from "../httpApi/api.js"
import type { Authenticator } from "../ports/authenticator.js"
import type { BackfillOutbox } from "../ports/backfillOutbox.js"
import type { BackfillRepository, WorkerRepository } from "../ports/backfillRepository.js"
import type { TransferLookup } from "../ports/transferLookup.js"
import { answerEventStream, eventStreamPath } from "./eventStream.js"
import type { EventsConfig } from "./eventsConfig.js"
import type { HostAnswer, HostIncoming } from "./server.js"
import type { StreamSlots } from "./streamSlots.js"

/**
 * What the reference host's handlers need: the API's ports, the page cursors' key and,
 * for its in-process worker, the worker's half of the repository.
 */
export type HostServices =
  | Authenticator
  | TransferLookup
  | BackfillRepository
  | WorkerRepository
  | BackfillOutbox
  | PageCursors

/** Answers with a library error envelope for a failure found before any endpoint ran. */
export const refuse = (request: HostIncoming, error: HttpError) => refusal(error, request.header("x-request-id"))

/** A JSON answer of the host's own (its health, its OpenAPI document). */
export const jsonAnswer = (status: number, value: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: stringifyJson(value)
})

let document: HttpResponse | undefined
/** The OpenAPI document's answer, written once: it never changes while the host runs. */
const servedDocument = () => {
  document ??= jsonAnswer(200, openApiDocument())
  return document
}

/**
 * The answer of a request past the front door's checks: the OpenAPI document, a
 * backfill's event stream, or the library's route.
 */
export const route = (
  request: HostIncoming,
  match: PathMatch,
  search: string,
  path: string,
  events: Pick<EventsConfig, "pollInterval" | "heartbeat" | "maxStream">,
  slots: StreamSlots
): Effect.Effect<HostAnswer, never, HostServices> => {
  if (path === "/openapi.json" && request.method === "GET") return Effect.succeed(servedDocument())
  const stream = eventStreamPath(path)
  if (Option.isNone(stream)) return answerMatched(request, match, search)
  return request.method === "GET"
    ? answerEventStream(request, stream.value, events, slots)
    : refuse(request, new MethodNotAllowed({ allowed: ["GET"] }))
}
