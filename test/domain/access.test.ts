import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { authorize, type Principal } from "../../src/domain/access.js"
import { Forbidden, PermissionDenied } from "../../src/domain/errors.js"
import { TeamId, UserId } from "../../src/domain/ids.js"
import * as Arb from "../../src/testing/arbitraries.js"

const team = TeamId.make(1n)

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  userId: UserId.make(789n),
  teamIds: [team],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"],
  ...overrides
})

describe("access rules", () => {
  it("let a team member with write scope and edit permission write and read, with evidence of who and where", () => {
    expect(authorize(principal(), team, "write")).toEqual(Either.right({ principal: principal(), teamId: team }))
    expect(authorize(principal(), team, "read")).toEqual(Either.right({ principal: principal(), teamId: team }))
  })

  it("let read scope and view permission read but not write", () => {
    const viewer = principal({ scopes: ["dwh_transfers_read"], permissions: ["dwh.transfer.view"] })
    expect(authorize(viewer, team, "read")).toEqual(Either.right({ principal: viewer, teamId: team }))
    expect(authorize(viewer, team, "write")).toEqual(
      Either.left(new Forbidden({ description: "The token lacks the required scope dwh_transfers_write." }))
    )
  })

  it("refuse a caller outside the team with FORBIDDEN, before looking at scopes", () => {
    expect(authorize(principal({ teamIds: [TeamId.make(2n)], scopes: [] }), team, "read")).toEqual(
      Either.left(new Forbidden({ description: "You are not a member of team 1." }))
    )
  })

  it("refuse a missing scope with FORBIDDEN naming the scope, before looking at permissions", () => {
    expect(authorize(principal({ scopes: ["other"], permissions: [] }), team, "read")).toEqual(
      Either.left(new Forbidden({ description: "The token lacks the required scope dwh_transfers_read." }))
    )
  })

  it("refuse a missing permission with PERMISSION_ERROR naming the permission", () => {
    expect(authorize(principal({ permissions: ["dwh.transfer.view"] }), team, "write")).toEqual(
      Either.left(
        new PermissionDenied({ description: "Your account lacks the required permission dwh.transfer.edit." })
      )
    )
    expect(authorize(principal({ permissions: [] }), team, "read")).toEqual(
      Either.left(
        new PermissionDenied({ description: "Your account lacks the required permission dwh.transfer.view." })
      )
    )
  })

  const callerAndTeam = Arb.principal.chain((caller) =>
    fc.tuple(
      fc.constant(caller),
      caller.teamIds.length === 0 ? Arb.teamId : fc.oneof(fc.constantFrom(...caller.teamIds), Arb.teamId)
    )
  )

  it.prop(
    "grant a level exactly to members holding one of its scopes and one of its permissions",
    [callerAndTeam, fc.constantFrom("read" as const, "write" as const)],
    ([[caller, teamId], level]) => {
      const member = caller.teamIds.includes(teamId)
      const scoped =
        caller.scopes.includes("dwh_transfers_write") ||
        (level === "read" && caller.scopes.includes("dwh_transfers_read"))
      const permitted =
        caller.permissions.includes("dwh.transfer.edit") ||
        (level === "read" && caller.permissions.includes("dwh.transfer.view"))
      const expected = !member || !scoped ? "Forbidden" : !permitted ? "PermissionDenied" : "granted"
      const decision = authorize(caller, teamId, level)
      expect(Either.match(decision, { onLeft: (error) => error._tag, onRight: () => "granted" })).toBe(expected)
    },
    { fastCheck: { numRuns: 300 } }
  )
})
