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

/**
 * The authenticated caller, as the host's authenticator describes it: the user, the teams
 * they belong to, and the scopes and permissions their token carries. Operations take one
 * and decide access from it.
 *
 * @example
 * ```ts
 * import { Principal, TeamId, UserId } from "transfer-backfills"
 *
 * const viewer: Principal = {
 *   userId: UserId.make(790n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read"],
 *   permissions: ["dwh.transfer.view"]
 * }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Principal = Schema.Struct({
  userId: UserId,
  teamIds: Schema.Array(TeamId),
  scopes: Schema.Array(Schema.String),
  permissions: Schema.Array(Schema.String)
})
/**
 * The authenticated caller: user, teams, scopes and permissions.
 *
 * @since 0.1.0
 * @category models
 */
export type Principal = typeof Principal.Type

/**
 * What a caller wants to do with a team's transfers and backfills: `read` them (get, latest,
 * list) or `write` them (schedule, cancel).
 *
 * @since 0.1.0
 * @category models
 */
export type AccessLevel = "read" | "write"

/**
 * What grants an access level: any one of its scopes (from the token) and any one of its
 * permissions (the user's).
 *
 * @since 0.2.0
 * @category models
 */
export interface Grant {
  /** Any one of these grants the level; the first is the one a denial names. */
  readonly scopes: readonly [string, ...Array<string>]
  readonly permissions: readonly [string, ...Array<string>]
}

/**
 * The scopes and permissions that grant each access level. Write implies read, edit implies
 * view. Within a level any one scope and any one permission suffice; the first of each is
 * the one a denial names.
 *
 * @since 0.1.0
 * @category constants
 */
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
 * for. Nothing outside this module can make one: only `authorize` does, and every port
 * method acting for a team requires one, so an operation that skips the check does not
 * compile.
 *
 * @since 0.1.0
 * @category models
 */
export interface Authorized<Level extends AccessLevel> {
  readonly principal: Principal
  readonly teamId: TeamId
  readonly [Grants]: { readonly [Granted in Level]: true }
}

/**
 * Evidence that a caller may read a team's transfers and backfills; what the read methods
 * of the ports require.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadAccess = Authorized<"read">
/**
 * Evidence that a caller may change a team's backfills. It also serves as `ReadAccess`.
 *
 * @since 0.1.0
 * @category models
 */
export type WriteAccess = Authorized<"read" | "write">

/**
 * The evidence each level yields: write access also serves as read access.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccessEvidence {
  readonly read: ReadAccess
  readonly write: WriteAccess
}

/**
 * Decides whether `principal` may act on `teamId` at `level`, and gives the evidence the
 * ports ask for. Team membership, then scope, then permission: the first missing one is the
 * answer (`Forbidden` for team and scope, `PermissionDenied` for the permission).
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { authorize, type Principal, TeamId, UserId } from "transfer-backfills"
 *
 * const principal: Principal = {
 *   userId: UserId.make(789n),
 *   teamIds: [TeamId.make(1n)],
 *   scopes: ["dwh_transfers_read", "dwh_transfers_write"],
 *   permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
 * }
 *
 * const access = authorize(principal, TeamId.make(1n), "write")
 * if (Either.isLeft(access)) console.log(access.left._tag) // "Forbidden" or "PermissionDenied"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
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
