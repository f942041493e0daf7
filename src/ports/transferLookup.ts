import { Context, type Effect, type Option } from "effect"
import type { ReadAccess } from "../domain/access.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { TransferId } from "../domain/ids.js"
import type { Transfer } from "../domain/transfer.js"

/**
 * The host's transfers: which team owns one and in which time zone its days fall.
 * `layerMemoryTransferLookup` and `layerPostgresTransferLookup` implement it; a host that
 * keeps transfers elsewhere provides its own.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Option } from "effect"
 * import { ServiceUnavailable, type TeamId, type Transfer, type TransferId, TransferLookup } from "transfer-backfills"
 *
 * // Looks a transfer up by both ids, so another team's transfer costs what a missing one does.
 * declare const findTransfer: (transferId: TransferId, teamId: TeamId) => Promise<Transfer | undefined>
 *
 * const transfers = Layer.succeed(TransferLookup, {
 *   findTeamTransfer: (access, transferId) =>
 *     Effect.tryPromise({
 *       try: () => findTransfer(transferId, access.teamId),
 *       catch: (cause) => new ServiceUnavailable({ cause })
 *     }).pipe(Effect.map(Option.fromNullable))
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class TransferLookup extends Context.Tag("transfer-backfills/TransferLookup")<
  TransferLookup,
  {
    /**
     * The transfer if it exists and the team of `access` owns it; `None` for a missing
     * transfer and for another team's alike. Look it up by both ids (one indexed query,
     * say) so that both cases do the same work: a difference in time would tell a caller
     * that another team's transfer exists (SPEC §3 step 6).
     */
    readonly findTeamTransfer: (
      access: ReadAccess,
      transferId: TransferId
    ) => Effect.Effect<Option.Option<Transfer>, ServiceUnavailable>
  }
>() {}
