/** The reference host's demo data: two teams, three transfers and four bearer tokens. */
import type { Principal } from "../domain/access.js"
import { TeamId, TransferId, UserId } from "../domain/ids.js"
import { TimeZone, UTC } from "../domain/time.js"
import type { Transfer } from "../domain/transfer.js"

const TEAM_1 = TeamId.make(1n)
const TEAM_2 = TeamId.make(2n)

export const DEMO_TRANSFERS: ReadonlyArray<Transfer> = [
  { id: TransferId.make(456789n), teamId: TEAM_1, timeZone: UTC },
  { id: TransferId.make(456790n), teamId: TEAM_1, timeZone: TimeZone.make("America/New_York") },
  { id: TransferId.make(111111n), teamId: TEAM_2, timeZone: UTC }
]

const BOTH_SCOPES = ["dwh_transfers_read", "dwh_transfers_write"]
const BOTH_PERMISSIONS = ["dwh.transfer.view", "dwh.transfer.edit"]

export const DEMO_TOKENS: Readonly<Record<string, Principal>> = {
  "demo-admin": { userId: UserId.make(789n), teamIds: [TEAM_1], scopes: BOTH_SCOPES, permissions: BOTH_PERMISSIONS },
  "demo-viewer": {
    userId: UserId.make(790n),
    teamIds: [TEAM_1],
    scopes: ["dwh_transfers_read"],
    permissions: ["dwh.transfer.view"]
  },
  "demo-noperm": {
    userId: UserId.make(791n),
    teamIds: [TEAM_1],
    scopes: BOTH_SCOPES,
    permissions: ["dwh.transfer.view"]
  },
  "demo-team2": { userId: UserId.make(800n), teamIds: [TEAM_2], scopes: BOTH_SCOPES, permissions: BOTH_PERMISSIONS }
}

export const DEMO_TEAMS = [TEAM_1, TEAM_2] as const
