import { Effect, Layer, Option } from "effect"
import type { TransferId } from "../../domain/ids.js"
import type { Transfer } from "../../domain/transfer.js"
import { TransferLookup } from "../../ports/transferLookup.js"

/** A fixed set of transfers, for tests and demos. */
export const layerMemoryTransferLookup = (transfers: Iterable<Transfer>): Layer.Layer<TransferLookup> =>
  Layer.sync(TransferLookup, () => {
    const byId = new Map<TransferId, Transfer>(Array.from(transfers, (transfer) => [transfer.id, transfer]))
    return {
      findTeamTransfer: (access, transferId) =>
        Effect.sync(() =>
          Option.filter(Option.fromNullable(byId.get(transferId)), (found) => found.teamId === access.teamId)
        )
    }
  })
