/** What the library needs to know of a transfer: who owns it and where its days begin. */
import { Schema } from "effect"
import { TeamId, TransferId } from "./ids.js"
import { TimeZone } from "./time.js"

export const Transfer = Schema.Struct({
  id: TransferId,
  teamId: TeamId,
  /** Decides which day is "today" for the transfer; `UTC` when the host has none. */
  timeZone: TimeZone
})
export type Transfer = typeof Transfer.Type
