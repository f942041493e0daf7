/** The shapes of the reference host's numeric settings, one reading of each for every setting. */
import { Config, Duration } from "effect"

/** A whole number from `min` up, `fallback` when unset. */
export const atLeast = (name: string, min: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be a whole number, ${min} or more`, validation: (value) => value >= min }),
    Config.withDefault(fallback)
  )

/** A duration in whole milliseconds, 1 or more, `fallback` when unset. */
export const millis = (name: string, fallback: Duration.Duration) =>
  atLeast(name, 1, Duration.toMillis(fallback)).pipe(Config.map(Duration.millis))
