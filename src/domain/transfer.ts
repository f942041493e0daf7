/** What the library needs to know of a transfer: who owns it and where its days begin. */
import { Schema } from "effect"
import { TeamId, TransferId } from "./ids.js"
import { TimeZone } from "./time.js"

/**
 * What the library needs to know of a transfer: who owns it and where its days begin. A
 * `TransferLookup` answers with one.
 *
 * @example
 * ```ts
 * import { TeamId, Transfer, TransferId, UTC } from "transfer-backfills"
 *
 * const transfer: Transfer = { id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Transfer = Schema.Struct({
  id: TransferId,
  teamId: TeamId,
  /** Decides which day is "today" for the transfer; `UTC` when the host has none. */
  timeZone: TimeZone
})
/**
 * A transfer: its id, its team and its time zone.
 *
 * @since 0.1.0
 * @category models
 */
export type Transfer = typeof Transfer.Type
