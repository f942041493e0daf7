/**
 * Who may do what (SPEC §1, §3 steps 3–5), as data: each access level lists the scopes
 * and permissions that grant it, and one function decides in SPEC order.
 */
import { Either, Schema } from "effect"
import { Forbidden, PermissionDenied } from "./errors.js"
import { TeamId, UserId } from "./ids.js"

/** The authenticated caller, as the host's authenticator describes it. */
export const Principal = Schema.Struct({
  userId: UserId,
  teamIds: Schema.Array(TeamId),
  scopes: Schema.Array(Schema.String),
  permissions: Schema.Array(Schema.String)
})
export type Principal = typeof Principal.Type

export type AccessLevel = "read" | "write"

interface Grant {
  /** Any one of these grants the level; the first is the one a denial names. */
  readonly scopes: readonly [string, ...Array<string>]
  readonly permissions: readonly [string, ...Array<string>]
}

/** Write implies read, edit implies view. */
export const GRANTS: { readonly [Level in AccessLevel]: Grant } = {
  read: {
    scopes: ["dwh_transfers_read", "dwh_transfers_write"],
    permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
  },
  write: {
    scopes: ["dwh_transfers_write"],
    permissions: ["dwh.transfer.edit"]
  }
}

const holdsAny = (held: ReadonlyArray<string>, granting: ReadonlyArray<string>): boolean =>
  granting.some((name) => held.includes(name))

/** Team membership, then scope, then permission: the first missing one is the answer. */
export const authorize = (
  principal: Principal,
  teamId: TeamId,
  level: AccessLevel
): Either.Either<void, Forbidden | PermissionDenied> => {
  const grant = GRANTS[level]
  if (!principal.teamIds.includes(teamId)) {
    return Either.left(new Forbidden({ description: `You are not a member of team ${teamId}.` }))
  }
  if (!holdsAny(principal.scopes, grant.scopes)) {
    return Either.left(new Forbidden({ description: `The token lacks the required scope ${grant.scopes[0]}.` }))
  }
  if (!holdsAny(principal.permissions, grant.permissions)) {
    return Either.left(
      new PermissionDenied({ description: `Your account lacks the required permission ${grant.permissions[0]}.` })
    )
  }
  return Either.void
}
