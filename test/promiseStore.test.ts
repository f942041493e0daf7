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

/** A plain store holding backfill 1 of team 1 (2024-01-01 to 2024-01-02), created through the API. */
const seededStore = async () => {
  const store = makePlainPromiseStore()
  const seeder = apiOver(store)
  await seeder.scheduleBackfill({
    ...caller,
    path: { team_id: "1", transfer_id: "456789" },
    body: '{"range_start":"2024-01-01","range_end":"2024-01-02"}'
  })
  await seeder.dispose()
  return store
}

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

    const seeded = await seededStore()
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

describe("a Promise store's answers to a key", () => {
  it("are the key's: in flight a 409, reused a 422, for a create and for a change alike; a change of nothing a 404", async () => {
    const store = await seededStore()
    for (const [answer, status, code] of [
      ["in-flight", 409, "CONFLICT_ERROR"],
      ["reused", 422, "DUPLICATION_FAILED"]
    ] as const) {
      const api = apiOver({
        ...store,
        insertUnlessOverlapping: async () => ({ idempotencyKey: answer }),
        change: async () => ({ idempotencyKey: answer })
      })
      const keyed = { ...caller, idempotencyKey: '"key-0001"' }
      const created = await api.scheduleBackfill({
        ...keyed,
        path: { team_id: "1", transfer_id: "456789" },
        body: '{"range_start":"2024-02-01","range_end":"2024-02-02"}'
      })
      const cancelled = await api.cancelBackfill({ ...keyed, path: backfill, body: cancelBody })
      for (const refused of [created, cancelled]) {
        expect([refused.status, JSON.parse(refused.body).error.code]).toEqual([status, code])
      }
      await api.dispose()
    }
    // "None" may be answered with undefined as with null.
    const forgetful = apiOver({ ...store, change: async () => undefined as never })
    expect((await forgetful.cancelBackfill({ ...caller, path: backfill, body: cancelBody })).status).toBe(404)
    await forgetful.dispose()
  })
})

/** A day of January 2024 at 09:00 UTC, in epoch milliseconds, and as the wire prints it. */
const at = (day: number) => Date.UTC(2024, 0, day, 9)
const printed = (day: number) => `2024-01-${String(day).padStart(2, "0")}T09:00:00Z`

describe("a Promise store's ids", () => {
  it("are read exactly in every form a store may give, and one that may have lost digits is a bare 500", async () => {
    const store = await seededStore()
    let id: unknown = "1"
    const api = apiOver(
      {
        ...store,
        findForTeam: async (teamId, backfillId) => {
          const found = await store.findForTeam(teamId, backfillId)
          return found === null || found === undefined ? found : ({ ...found, id } as PlainBackfill)
        }
      },
      true
    )
    const answered = async (given: unknown) => {
      id = given
      const answer = await api.getBackfill({ ...caller, path: backfill })
      // The id as the body spells it, digit for digit: JSON.parse would round a large one.
      return answer.status === 200 ? /"transfer_backfill_id":(\d+)/.exec(answer.body)?.[1] : answer.status
    }
    expect(await answered("9223372036854775807")).toBe("9223372036854775807")
    expect(await answered(9223372036854775806n)).toBe("9223372036854775806")
    expect(await answered(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991")
    // Lossy, out of range, or not plainly the digits: "1 " would read as 1 to BigInt.
    for (const refused of [2 ** 60, 1.5, "007", "1e3", "9223372036854775808", "", -1, "1 ", " 1", "0x1"]) {
      expect([refused, await answered(refused)]).toEqual([refused, 500])
    }
    await api.dispose()
  })
})

describe("a Promise store that keeps runs", () => {
  it("is told how a backfill is to be processed when that is not the default, and nothing more when it is", async () => {
    const store = makePlainPromiseStore()
    const calls: Array<ReadonlyArray<unknown>> = []
    const api = createPromiseApi({
      authenticate: async (token) => (token === "demo-admin" ? admin : null),
      findTeamTransfer: async (_, id) =>
        id === "456790" ? { id, teamId: "1", limits: { maxRunningDays: 3 } } : { id, teamId: "1" },
      cursorSecret: "a cursor secret of thirty-two bytes or more",
      idempotencyKeyLifetimeMillis: 60_000,
      repository: {
        ...store,
        insertUnlessOverlapping: (...args) => {
          calls.push(args.slice(2))
          return store.insertUnlessOverlapping(...args)
        }
      }
    })
    const schedule = (transferId: string, body: object, idempotencyKey?: string) =>
      api.scheduleBackfill({
        ...caller,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        path: { team_id: "1", transfer_id: transferId },
        body: JSON.stringify(body)
      })
    const january = (first: number) => ({
      range_start: `2024-01-${String(first).padStart(2, "0")}`,
      range_end: `2024-01-${String(first + 1).padStart(2, "0")}`
    })
    const answers = [
      await schedule("456789", january(1)),
      await schedule("456789", { ...january(3), order: "newest_first" }),
      await schedule("456789", { ...january(5), order: "oldest_first" }),
      await schedule("456790", january(1)),
      await schedule("456791", { ...january(1), order: "oldest_first" }, '"processing-0001"')
    ]
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    expect(calls).toEqual([
      [],
      [],
      [undefined, { order: "oldest_first", transferMaxRunningDays: null }],
      [undefined, { order: "newest_first", transferMaxRunningDays: 3 }],
      [
        expect.objectContaining({ key: "processing-0001", userId: "789" }),
        { order: "oldest_first", transferMaxRunningDays: null }
      ]
    ])
    await api.dispose()
  })

  it("writes the retry the library decided: the failed days queued again, the backfill scheduled again", async () => {
    const { recorded, written } = recording()
    const api = apiOver(recorded)
    await api.scheduleBackfill({
      ...caller,
      path: { team_id: "1", transfer_id: "456789" },
      body: '{"range_start":"2024-01-01","range_end":"2024-01-03"}'
    })
    // The host's own worker ran the days, the first completed and the other two failed,
    // and wrote so through the store (which keeps no runs: no day is queued again here).
    await recorded.change("1", "1", (current) => ({
      backfill: {
        ...current,
        status: "FAILED",
        startTimeMillis: at(4),
        endTimeMillis: at(5),
        runs: { total: 3, created: 3, completed: 1, failed: 2 },
        errorReport: [
          { day: "2024-01-02", error: "quota exceeded" },
          { day: "2024-01-03", error: "source offline" }
        ]
      },
      runs: { retryDays: [] }
    }))
    written.length = 0
    const retried = await api.retryBackfill({ ...caller, path: backfill, body: '{"days":["2024-01-03"]}' })
    const data = (JSON.parse(retried.body) as { data: Record<string, unknown> }).data
    expect([retried.status, data.status, data.end_time, data.transfer_runs_failed, data.error_report]).toEqual([
      200,
      "SCHEDULED",
      null,
      1,
      [{ transfer_run_date: "2024-01-02", error: "quota exceeded" }]
    ])
    expect(written).toHaveLength(1)
    const [retry] = written as [PlainChange]
    expect(retry.runs).toEqual({ retryDays: ["2024-01-03"] })
    expect(retry.backfill).toMatchObject({
      status: "SCHEDULED",
      endTimeMillis: null,
      runs: { total: 3, created: 3, completed: 1, failed: 1 },
      errorReport: [{ day: "2024-01-02", error: "quota exceeded" }]
    })
    // No days named: every day still failed.
    const rest = await api.retryBackfill({ ...caller, path: backfill })
    expect(rest.status).toBe(200)
    expect((written[1] as PlainChange).runs).toEqual({ retryDays: ["2024-01-02"] })
    await api.dispose()
  })

  it("lists the runs it answers, asked for the page the caller wants, and a run it answers wrongly is a bare 500", async () => {
    const store = makePlainPromiseStore()
    const pages: Array<unknown> = []
    let runs: ReadonlyArray<unknown> = [
      {
        day: "2024-01-02",
        state: "failed",
        attempts: 2,
        startedTimeMillis: at(4),
        endedTimeMillis: at(4) + 61_500,
        error: "quota exceeded"
      },
      { day: "2024-01-01", state: "dropped", attempts: 1, startedTimeMillis: null, endedTimeMillis: at(5), error: null }
    ]
    const api = apiOver(
      {
        ...store,
        runsOf: async (_, __, page) => {
          pages.push(page)
          return runs as never
        }
      },
      true
    )
    await api.scheduleBackfill({
      ...caller,
      path: { team_id: "1", transfer_id: "456789" },
      body: '{"range_start":"2024-01-01","range_end":"2024-01-03"}'
    })
    const listed = await api.listBackfillRuns({
      ...caller,
      path: backfill,
      query: { status: "failed,cancelled", limit: "5" }
    })
    expect([listed.status, (JSON.parse(listed.body) as { data: unknown }).data]).toEqual([
      200,
      [
        {
          transfer_run_date: "2024-01-02",
          status: "failed",
          attempts: 2,
          started_time: printed(4),
          ended_time: "2024-01-04T09:01:01Z",
          error: "quota exceeded"
        },
        {
          transfer_run_date: "2024-01-01",
          status: "cancelled",
          attempts: 1,
          started_time: null,
          ended_time: printed(5),
          error: null
        }
      ]
    ])
    expect(pages).toEqual([{ states: ["failed", "dropped"], beforeDay: null, limit: 6 }])
    for (const broken of [
      { day: "2024-01-32", state: "pending", attempts: 1, startedTimeMillis: null, endedTimeMillis: null, error: null },
      { day: "2024-01-01", state: "queued", attempts: 1, startedTimeMillis: null, endedTimeMillis: null, error: null },
      { day: "2024-01-01", state: "pending", attempts: 0, startedTimeMillis: null, endedTimeMillis: null, error: null },
      { day: "2024-01-01", state: "failed", attempts: 1, startedTimeMillis: 1.5, endedTimeMillis: null, error: "x" }
    ]) {
      runs = [broken]
      const answer = await api.listBackfillRuns({ ...caller, path: backfill, query: {} })
      expect([answer.status, JSON.parse(answer.body).error.message]).toEqual([500, "An unexpected error occurred."])
    }
    await api.dispose()
  })
})
