/**
 * `GET /teams/{team_id}/backfills/{backfill_id}/events`: a backfill's events as
 * Server-Sent Events, read from the outbox. The same checks as a `GET` of the backfill
 * (SPEC §3: authentication, ids, access, a backfill of the team) and the same error
 * envelopes; then every event after `Last-Event-ID` (each frame's id is its sequence),
 * new ones as they are appended, a comment line now and then to keep proxies from closing
 * an idle stream, until the client leaves or the stream's longest life is reached. A team
 * past its number of open streams is answered 429, any stream past the host's 503.
 */
import { Chunk, Effect, Either, Option, Stream } from "effect"
import { BadRequest } from "../domain/errors.js"
import { type BackfillEvent, encodeEvent } from "../domain/events.js"
import { resolveRequestId } from "../domain/requestId.js"
import { authenticate, backfillIdOf, teamIdOf } from "../http/caller.js"
import { stringifyJson } from "../http/json.js"
import { refusal } from "../http/refusal.js"
import { requireAccess } from "../operations/access.js"
import { getBackfill } from "../operations/getBackfill.js"
import { BackfillOutbox } from "../ports/backfillOutbox.js"
import type { EventsConfig } from "./eventsConfig.js"
import type { HostAnswer, HostIncoming } from "./server.js"
import type { StreamSlots } from "./streamSlots.js"

/** The path of a backfill's event stream, with its two raw ids. */
const EVENTS_PATH = /^\/teams\/([^/]+)\/backfills\/([^/]+)\/events$/

/** The raw `team_id` and `backfill_id` of an event stream's path, if it is one. */
export const eventStreamPath = (
  path: string
): Option.Option<{ readonly team_id: string; readonly backfill_id: string }> =>
  Option.map(Option.fromNullable(EVENTS_PATH.exec(path)), ([, team_id = "", backfill_id = ""]) => ({
    team_id,
    backfill_id
  }))

/** Events read per look at the outbox. */
const PAGE_SIZE = 100

/** `Last-Event-ID`, the sequence of the last event the client has: 0 without one. */
const lastEventId = (header: string | undefined) =>
  header === undefined || header === ""
    ? Effect.succeed(0)
    : /^(0|[1-9][0-9]{0,8})$/.test(header)
      ? Effect.succeed(Number(header))
      : Effect.fail(new BadRequest({ description: "Last-Event-ID must be the sequence number of an event." }))

/**
 * The stream's answer: its head and its frames, or the error envelope a `GET` of the
 * backfill would have answered.
 */
export const answerEventStream = (
  request: HostIncoming,
  path: { readonly team_id: string; readonly backfill_id: string },
  config: Pick<EventsConfig, "pollInterval" | "heartbeat" | "maxStream">,
  slots: StreamSlots
) =>
  Effect.gen(function* () {
    const opened = yield* Effect.either(
      Effect.gen(function* () {
        const principal = yield* authenticate(request.header("authorization"))
        const teamId = yield* teamIdOf(path)
        const backfillId = yield* backfillIdOf(path)
        yield* getBackfill({ principal, teamId, backfillId })
        const access = yield* requireAccess(principal, teamId, "read")
        const after = yield* lastEventId(request.header("last-event-id"))
        // Taken and handed to the request in one step: the server gives it back when the stream ends, or
        // at once if anything becomes of the answer other than the stream being written.
        yield* Effect.suspend(() => Either.map(slots.take(access.teamId), request.holding))
        return { access, backfillId, after }
      })
    )
    if (opened._tag === "Left") {
      return yield* refusal(opened.left, request.header("x-request-id"))
    }
    const { access, backfillId, after } = opened.right
    const outbox = yield* BackfillOutbox
    const requestId = yield* resolveRequestId(request.header("x-request-id"))
    const frames = Stream.paginateChunkEffect(after, (last) =>
      Effect.flatMap(outbox.eventsOf(access, backfillId, last, PAGE_SIZE), (events) => {
        const next = events.at(-1)?.sequence ?? last
        const page = Chunk.fromIterable(events.map(frameOf))
        // Nothing new: look again after the poll interval.
        const wait = events.length === 0 ? Effect.sleep(config.pollInterval) : Effect.void
        return Effect.as(wait, [page, Option.some(next)] as const)
      })
    )
    const heartbeats = Stream.map(Stream.tick(config.heartbeat), () => ": keep-alive\n\n")
    const answer: HostAnswer = {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": requestId
      },
      body: "",
      stream: Stream.merge(frames, Stream.drop(heartbeats, 1), { haltStrategy: "left" }),
      streamLife: config.maxStream
    }
    return answer
  })

/** One event as an SSE frame: its sequence as id, its type as event name, its JSON as data. */
const frameOf = (event: BackfillEvent) =>
  `id: ${event.sequence}\nevent: ${event.type}\ndata: ${stringifyJson(encodeEvent(event))}\n\n`
