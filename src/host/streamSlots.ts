/**
 * The reference host's count of open event streams, against its two limits: how many one
 * team may hold (so one team cannot take every stream) and how many the host serves (each
 * polls the database). A slot is taken in one synchronous step, so two requests can never
 * both take the last one, and given back once, whichever way its stream ends.
 */
import { Either } from "effect"
import { ServiceUnavailable, TooManyRequests } from "../domain/errors.js"
import type { TeamId } from "../domain/ids.js"
import type { EventsConfig } from "./eventsConfig.js"

/** When a refused client should try again: a stream is short-lived or long-lived, nothing in between. */
const RETRY_AFTER_SECONDS = 5

/** A taken slot: giving it back again does nothing. */
export type GiveBack = () => void

/** The host's open event streams, per team and in all. */
export interface StreamSlots {
  /** A slot for one more stream of `teamId`, or why not: the team's limit (429) or the host's (503). */
  readonly take: (teamId: TeamId) => Either.Either<GiveBack, TooManyRequests | ServiceUnavailable>
  /** Streams open now, in all. */
  readonly open: () => number
}

/** No stream open yet, the limits of `limits`. */
export const makeStreamSlots = (limits: Pick<EventsConfig, "maxStreams" | "maxStreamsPerTeam">): StreamSlots => {
  const byTeam = new Map<TeamId, number>()
  let open = 0
  return {
    take: (teamId) => {
      const team = byTeam.get(teamId) ?? 0
      if (team >= limits.maxStreamsPerTeam)
        return Either.left(new TooManyRequests({ retryAfterSeconds: RETRY_AFTER_SECONDS }))
      if (open >= limits.maxStreams)
        return Either.left(new ServiceUnavailable({ cause: `the host serves ${open} event streams, its limit` }))
      byTeam.set(teamId, team + 1)
      open += 1
      let given = false
      return Either.right(() => {
        if (given) return
        given = true
        open -= 1
        const left = (byTeam.get(teamId) ?? 1) - 1
        if (left === 0) byTeam.delete(teamId)
        else byTeam.set(teamId, left)
      })
    },
    open: () => open
  }
}
