/**
 * A repository that behaves as another one until a fault is switched on: then every call
 * fails as an unreachable database does, dies as a driver error escaping a transaction
 * does, or never returns, as a frozen process or connection does.
 */
import { Effect, Layer, Ref } from "effect"
import { ServiceUnavailable } from "../../src/domain/errors.js"
import { BackfillRepository } from "../../src/ports/backfillRepository.js"

export type Fault = "none" | "unavailable" | "dying" | "frozen"

/** What a driver error escaping `@effect/sql`'s COMMIT looks like, minus its internals. */
export class DriverDefect extends Error {
  readonly _tag = "SqlError"
  constructor() {
    super("Connection terminated unexpectedly (ECONNRESET)")
  }
}

const failing = (fault: Fault): Effect.Effect<never, ServiceUnavailable> => {
  switch (fault) {
    case "unavailable":
      return Effect.fail(new ServiceUnavailable({ cause: new Error("connection refused") }))
    case "dying":
      return Effect.die(new DriverDefect())
    default:
      return Effect.never
  }
}

/** `repository` behind a switch: calls go through while the fault is `none`. */
export const withFaults = (
  repository: BackfillRepository["Type"],
  fault: Ref.Ref<Fault>
): BackfillRepository["Type"] => {
  const guarded = <Args extends Array<never>, A, E>(
    method: (...args: Args) => Effect.Effect<A, E>
  ): ((...args: Args) => Effect.Effect<A, E | ServiceUnavailable>) => {
    return (...args) =>
      Effect.flatMap(
        Ref.get(fault),
        (current): Effect.Effect<A, E | ServiceUnavailable> => (current === "none" ? method(...args) : failing(current))
      )
  }
  return Object.fromEntries(
    Object.entries(repository).map(([name, method]) => [name, guarded(method as never)])
  ) as unknown as BackfillRepository["Type"]
}

/** The repository of the context behind a switch, as a layer of its own. */
export const layerWithFaults = (fault: Ref.Ref<Fault>) =>
  Layer.effect(
    BackfillRepository,
    Effect.map(BackfillRepository, (repository) => withFaults(repository, fault))
  )
