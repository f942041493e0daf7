/**
 * The host's count of event streams, against a model: whatever the order of opens and
 * ends (an end repeated included), a team never holds more than its limit, the host never
 * serves more than its own, a refusal comes exactly when a limit is reached, and every
 * slot given back is free again.
 */
import { it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { describe, expect } from "vitest"
import { TeamId } from "../../src/domain/ids.js"
import { makeStreamSlots } from "../../src/host/streamSlots.js"

const step = fc.oneof(fc.record({ open: fc.integer({ min: 1, max: 3 }) }), fc.record({ end: fc.nat({ max: 20 }) }))

describe("the host's stream slots", () => {
  it.prop(
    "refuse exactly past a limit, and free every slot given back once",
    [fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 60 })],
    ([perTeam, total, steps]) => {
      const slots = makeStreamSlots({ maxStreamsPerTeam: perTeam, maxStreams: total })
      const held: Array<{ readonly team: number; readonly giveBack: () => void; ended: boolean }> = []
      const openOf = (team?: number) =>
        held.filter((stream) => !stream.ended && (team === undefined || stream.team === team)).length
      for (const next of steps) {
        if ("open" in next) {
          const taken = slots.take(TeamId.make(BigInt(next.open)))
          const expected =
            openOf(next.open) >= perTeam ? "TooManyRequests" : openOf() >= total ? "ServiceUnavailable" : "taken"
          expect(Either.isRight(taken) ? "taken" : taken.left._tag).toBe(expected)
          if (Either.isRight(taken)) held.push({ team: next.open, giveBack: taken.right, ended: false })
        } else {
          const stream = held[next.end % Math.max(held.length, 1)]
          // Ended streams are given back again on purpose: the second time changes nothing.
          stream?.giveBack()
          if (stream !== undefined) stream.ended = true
        }
        expect(slots.open()).toBe(openOf())
      }
    }
  )
})
