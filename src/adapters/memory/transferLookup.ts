import { Effect, Layer, Option } from "effect"
import type { TransferId } from "../../domain/ids.js"
import type { Transfer } from "../../domain/transfer.js"
import { TransferLookup } from "../../ports/transferLookup.js"

/**
 * A `TransferLookup` over a fixed set of transfers, for tests and demos.
 *
 * @example
 * ```ts
 * import { TeamId, TimeZone, TransferId, UTC } from "transfer-backfills"
 * import { layerMemoryTransferLookup } from "transfer-backfills/memory"
 *
 * const transfers = layerMemoryTransferLookup([
 *   { id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC },
 *   { id: TransferId.make(456790n), teamId: TeamId.make(1n), timeZone: TimeZone.make("America/New_York") }
 * ])
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
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
