import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, TestClock } from "effect"
import { withCachedAuthentication } from "../../src/adapters/cachedAuthenticator.js"
import { ServiceUnavailable } from "../../src/domain/errors.js"
import { TeamId, UserId } from "../../src/domain/ids.js"
import { Authenticator } from "../../src/ports/authenticator.js"

const principal = { userId: UserId.make(1n), teamIds: [TeamId.make(1n)], scopes: [], permissions: [] }

/** An authenticator that counts its calls and fails while `down` is set. */
const counting = () => {
  const state = { calls: 0, down: false }
  const layer = Layer.succeed(Authenticator, {
    authenticate: (token) =>
      Effect.suspend(() => {
        state.calls += 1
        if (state.down) return Effect.fail(new ServiceUnavailable({}))
        return Effect.succeed(token === "good" ? Option.some(principal) : Option.none())
      })
  })
  return { state, layer }
}

describe("cached authentication", () => {
  it.effect("asks once per token while the answer is fresh, then again", () => {
    const { state, layer } = counting()
    return Effect.gen(function* () {
      const authenticator = yield* Authenticator
      expect(yield* authenticator.authenticate("good")).toEqual(Option.some(principal))
      expect(yield* authenticator.authenticate("good")).toEqual(Option.some(principal))
      expect(yield* authenticator.authenticate("bad")).toEqual(Option.none())
      expect(yield* authenticator.authenticate("bad")).toEqual(Option.none())
      expect(state.calls).toBe(2)
      yield* TestClock.adjust(Duration.seconds(31))
      yield* authenticator.authenticate("good")
      expect(state.calls).toBe(3)
    }).pipe(Effect.provide(withCachedAuthentication(layer, { timeToLive: Duration.seconds(30), capacity: 10 })))
  })

  it.effect("never remembers that the authenticator could not answer", () => {
    const { state, layer } = counting()
    return Effect.gen(function* () {
      const authenticator = yield* Authenticator
      state.down = true
      expect((yield* Effect.flip(authenticator.authenticate("good")))._tag).toBe("ServiceUnavailable")
      state.down = false
      expect(yield* authenticator.authenticate("good")).toEqual(Option.some(principal))
      expect(state.calls).toBe(2)
    }).pipe(Effect.provide(withCachedAuthentication(layer, { timeToLive: Duration.seconds(30), capacity: 10 })))
  })
})
