/**
 * Who may do what (SPEC §1, §3 steps 3–5), as data: each access level lists the scopes
 * and permissions that grant it, and one function decides in SPEC order. Its answer is
 * evidence: an `Authorized` value, which only `authorize` makes, and which every port
 * method acting for a team requires, so that an operation that skips the check does not
 * compile.
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

declare const Grants: unique symbol

/**
 * Evidence that `principal` may act on `teamId` at the levels `Level` names. Write
 * access is `Authorized<"read" | "write">`, so it serves wherever read access is asked
 * for. Nothing outside this module can make one.
 */
export interface Authorized<Level extends AccessLevel> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly [Grants]: { readonly [Granted in Level]: true }
}

export type ReadAccess = Authorized<"read">
export type WriteAccess = Authorized<"read" | "write">

/** The evidence each level yields: write access also serves as read access. */
export interface AccessEvidence {
  readonly read: ReadAccess
  readonly write: WriteAccess
}

/** Team membership, then scope, then permission: the first missing one is the answer. */
export const authorize = <Level extends AccessLevel>(
  principal: Principal,
  teamId: TeamId,
  level: Level
): Either.Either<AccessEvidence[Level], Forbidden | PermissionDenied> => {
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
  return Either.right({ principal, teamId } as unknown as AccessEvidence[Level])
}
