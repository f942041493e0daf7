import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { BackfillId, TeamId } from "../../src/domain/ids.js"
import { requestedRunPage } from "../../src/http/listQuery.js"
import { layerPageCursors, PageCursors } from "../../src/http/pageCursor.js"

describe("a ledger's query", () => {
  it.effect("takes a cursor only under the team and backfill it was issued for", () =>
    Effect.gen(function* () {
      const cursor = yield* (yield* PageCursors).encodeRuns({
        teamId: TeamId.make(1n),
        backfillId: BackfillId.make(42n),
        states: ["pending"],
        before: "2024-01-05" as CalendarDate
      })
      const read = (teamId: bigint, backfillId: bigint) =>
        Effect.either(requestedRunPage({ status: "pending", cursor }, TeamId.make(teamId), BackfillId.make(backfillId)))
      expect(yield* read(1n, 42n)).toEqual(
        Either.right({ states: ["pending"], limit: 100, after: Option.some("2024-01-05") })
      )
      for (const [teamId, backfillId] of [
        [2n, 42n],
        [1n, 43n]
      ] as const) {
        const refused = yield* read(teamId, backfillId)
        expect(Either.getLeft(refused).pipe(Option.map((error) => error.description))).toEqual(
          Option.some("Query parameter cursor belongs to another listing; repeat the first page's status filter.")
        )
      }
    }).pipe(Effect.provide(layerPageCursors("test-cursor-secret")))
  )
})
