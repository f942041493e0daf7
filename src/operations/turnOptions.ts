/** The worker's turn settings, checked before any claim. */
import { Effect } from "effect"

/**
 * A turn of no day, or a cap no team can run under, would claim forever without working:
 * either is a defect of the host's configuration, reported before any claim.
 */
export const checkTurnOptions = (options: {
  readonly daysPerTurn?: number | undefined
  readonly maxRunningDaysPerTeam?: number | undefined
}): Effect.Effect<void> => {
  const invalid = (["daysPerTurn", "maxRunningDaysPerTeam"] as const).find((name) => {
    const value = options[name]
    return value !== undefined && !(Number.isSafeInteger(value) && value > 0)
  })
  return invalid === undefined ? Effect.void : Effect.dieMessage(`WorkerOptions.${invalid} must be a positive integer`)
}
