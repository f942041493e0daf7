/**
 * The plain forms of what a Promise host's ports answer: the caller behind a token and a
 * transfer, each a Schema over the library's own, so an answer is checked before use.
 */
import { Schema } from "effect"
import { Principal } from "../domain/access.js"
import { TeamId, TransferId, UserId } from "../domain/ids.js"
import { Transfer, TransferLimits } from "../domain/transfer.js"
import { type PlainId, plainId } from "./plain.js"

/**
 * The caller behind a token.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlainPrincipal {
  readonly userId: PlainId
  readonly teamIds: ReadonlyArray<PlainId>
  readonly scopes: ReadonlyArray<string>
  readonly permissions: ReadonlyArray<string>
}

/**
 * Reads a host's `PlainPrincipal` as the library's `Principal`, each id checked in whichever
 * `PlainId` form it comes, and writes a `Principal` back with decimal-string ids.
 *
 * @since 0.2.0
 * @category schemas
 */
export const PrincipalFromPlain: Schema.Schema<Principal, PlainPrincipal> = Schema.transform(
  Schema.Struct({
    userId: plainId(UserId),
    teamIds: Schema.Array(plainId(TeamId)),
    scopes: Schema.Array(Schema.String),
    permissions: Schema.Array(Schema.String)
  }),
  Schema.typeSchema(Principal),
  { strict: false, decode: (plain) => plain, encode: (principal) => principal }
)

/**
 * A transfer: its id, its team and the IANA time zone its days are counted in.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlainTransfer {
  readonly id: PlainId
  readonly teamId: PlainId
  /** An IANA time zone; `UTC` when left out. */
  readonly timeZone?: string | null | undefined
  /**
   * The transfer's own limits (`TransferLimits`), each replacing the host's policy for it:
   * the longest range in days, the earliest day (`YYYY-MM-DD`) and the days that may run
   * at once. None when left out.
   */
  readonly limits?:
    | {
        readonly maxRangeDays?: number | undefined
        readonly earliestDate?: string | undefined
        readonly maxRunningDays?: number | undefined
      }
    | null
    | undefined
}

/**
 * Reads a host's `PlainTransfer` as the library's `Transfer`, with `UTC` for a time zone left
 * out or `null`, and writes a `Transfer` back with decimal-string ids.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TransferFromPlain: Schema.Schema<Transfer, PlainTransfer> = Schema.transform(
  Schema.Struct({
    id: plainId(TransferId),
    teamId: plainId(TeamId),
    timeZone: Schema.optional(Schema.NullishOr(Schema.String)),
    limits: Schema.optional(Schema.NullishOr(TransferLimits))
  }),
  Schema.typeSchema(Transfer),
  {
    strict: false,
    decode: (plain) => ({
      id: plain.id,
      teamId: plain.teamId,
      timeZone: plain.timeZone ?? "UTC",
      ...(plain.limits == null ? {} : { limits: plain.limits })
    }),
    encode: (transfer) => transfer
  }
)
