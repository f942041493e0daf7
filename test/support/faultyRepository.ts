/**
 * A port that behaves as another one until a fault is switched on: then every call
 * fails as an unreachable database does, dies as a driver error escaping a transaction
 * does, or never returns, as a frozen process or connection does.
 */
import { Effect, Ref } from "effect"
import { ServiceUnavailable } from "../../src/domain/errors.js"

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

/** A port's methods, each returning an Effect. */
type Port = Readonly<Record<string, (...args: Array<never>) => Effect.Effect<unknown, unknown>>>

/** `service` behind a switch: calls go through while the fault is `none`. */
export const withFaults = <Service extends Port>(service: Service, fault: Ref.Ref<Fault>): Service => {
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
    Object.entries(service).map(([name, method]) => [name, guarded(method as never)])
  ) as unknown as Service
}
