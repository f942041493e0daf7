/**
 * The ports every example runs on: the library's in-memory adapters with one team, the
 * seed's transfer and two bearer tokens, and page cursors signed with `CURSOR_SECRET`.
 * A real host provides `transfer-backfills/postgres` layers instead (docs/hosting.md).
 */
import { Layer } from "effect"
import { layerPageCursors, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
import { layerMemoryBackfillRepository, layerMemoryTransferLookup, layerStaticTokens } from "transfer-backfills/memory"

const TEAM = TeamId.make(1n)

export const demoPorts = Layer.mergeAll(
  layerStaticTokens({
    "demo-admin": {
      userId: UserId.make(789n),
      teamIds: [TEAM],
      scopes: ["dwh_transfers_read", "dwh_transfers_write"],
      permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
    },
    "demo-viewer": {
      userId: UserId.make(790n),
      teamIds: [TEAM],
      scopes: ["dwh_transfers_read"],
      permissions: ["dwh.transfer.view"]
    }
  }),
  layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TEAM, timeZone: UTC }]),
  layerMemoryBackfillRepository(),
  layerPageCursors(process.env.CURSOR_SECRET ?? "a demo secret: set CURSOR_SECRET to 32 random bytes")
)
