import { Context, type Effect, type Option } from "effect"
import type { ServiceUnavailable } from "../domain/errors.js"
import type { TransferId } from "../domain/ids.js"
import type { Transfer } from "../domain/transfer.js"

/** The host's transfers: which team owns one and in which time zone its days fall. */
export class TransferLookup extends Context.Tag("transfer-backfills/TransferLookup")<
  TransferLookup,
  {
    readonly findTransfer: (transferId: TransferId) => Effect.Effect<Option.Option<Transfer>, ServiceUnavailable>
  }
>() {}
