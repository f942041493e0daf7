/**
 * A Promise store is storage only: the library decides every cancel and retry inside the
 * store's atomic step (`change`), and the store writes what it was told, or nothing. What
 * it is told is checked here, and so is a store that answers what it should not.
 */

import {
  createPromiseApi,
  type PlainBackfill,
  type PlainChange,
  type PlainPrincipal,
  type PromiseBackfillRepository
} from "transfer-backfills/promise"
import { describe, expect, it } from "vitest"
import { makePlainPromiseStore } from "./support/plainPromiseStore.js"

const admin: PlainPrincipal = {
  userId: "789",
  teamIds: ["1"],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

/** The API over `repository`; `quiet` keeps the defects it is expected to log out of the test's output. */
const apiOver = (repository: PromiseBackfillRepository, quiet = false) =>
  createPromiseApi({
    ...(quiet ? { logger: () => undefined } : {}),
    authenticate: async (token) => (token === "demo-admin" ? admin : null),
    findTeamTransfer: async (_, id) => (id === "456789" ? { id, teamId: "1" } : undefined),
    cursorSecret: "a cursor secret of thirty-two bytes or more",
    repository
  })

const caller = { authorization: "Bearer demo-admin" }
const backfill = { team_id: "1", backfill_id: "1" }
const cancelBody = '{"status":"CANCELLED"}'

/** A plain store that remembers every change it was asked to write. */
const recording = () => {
  const store = makePlainPromiseStore()
  const written: Array<PlainChange> = []
  const recorded: PromiseBackfillRepository = {
    ...store,
    change: (teamId, id, decide, idempotency) =>
      store.change(
        teamId,
        id,
        (current) => {
          const change = decide(current)
          if (change !== null) written.push(change)
          return change
        },
        ...(idempotency === undefined ? [] : [idempotency])
      )
  }
  return { recorded, written }
}

describe("a Promise store", () => {
  it("writes the cancel the library decided: the backfill cancelled by its caller, pending runs dropped then", async () => {
    const { recorded, written } = recording()
    const api = apiOver(recorded)
    const created = await api.scheduleBackfill({
      ...caller,
      path: { team_id: "1", transfer_id: "456789" },
      body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
    })
    expect(created.status).toBe(200)
    expect((await api.cancelBackfill({ ...caller, path: backfill, body: cancelBody })).status).toBe(200)
    expect(written).toHaveLength(1)
    const [cancel] = written as [PlainChange]
    expect(cancel.backfill).toMatchObject({ id: "1", status: "CANCELLED", removal: { userId: "789" } })
    const removal = (cancel.backfill as PlainBackfill & { removal: { timeMillis: number } }).removal
    expect(cancel.runs).toEqual({ dropPendingAtMillis: removal.timeMillis })
    expect(cancel.backfill.endTimeMillis).toBe(removal.timeMillis)
    // Cancelled now: the library refuses the next cancel and asks the store to write nothing.
    const again = await api.cancelBackfill({ ...caller, path: backfill, body: cancelBody })
    expect([again.status, JSON.parse(again.body).error.code]).toEqual([422, "UNPROCESSABLE_ENTITY"])
    const retried = await api.retryBackfill({ ...caller, path: backfill })
    expect(retried.status).toBe(422)
    expect(written).toHaveLength(1)
    await api.dispose()
  })

  it("is a 404 when it knows no such backfill, and a bare 500 when it answers what it should not", async () => {
    const store = makePlainPromiseStore()
    const missing = apiOver(store)
    expect((await missing.cancelBackfill({ ...caller, path: backfill, body: cancelBody })).status).toBe(404)
    await missing.dispose()

    const seeded = makePlainPromiseStore()
    const seeder = apiOver(seeded)
    await seeder.scheduleBackfill({
      ...caller,
      path: { team_id: "1", transfer_id: "456789" },
      body: '{"range_start":"2024-01-01","range_end":"2024-01-02"}'
    })
    await seeder.dispose()
    const cases: ReadonlyArray<PromiseBackfillRepository["change"]> = [
      // Hands the library a backfill that is not one.
      (teamId, id, decide) => seeded.change(teamId, id, (current) => decide({ ...current, status: "LOST" } as never)),
      // Says it changed nothing, for a change the library decided.
      async (teamId, id, decide) => {
        const current = await seeded.findForTeam(teamId, id)
        decide(current as PlainBackfill)
        return { unchanged: current as PlainBackfill }
      },
      // Answers none of its answers.
      async () => ({ moved: true }) as never
    ]
    for (const change of cases) {
      const broken = apiOver({ ...seeded, change }, true)
      const answer = await broken.cancelBackfill({ ...caller, path: backfill, body: cancelBody })
      expect([answer.status, JSON.parse(answer.body).error.message]).toEqual([500, "An unexpected error occurred."])
      await broken.dispose()
    }
  })
})
