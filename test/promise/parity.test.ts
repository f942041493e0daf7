/**
 * A Promise host's whole life without Effect: ports mixed from functions and a layer, the
 * PostgreSQL pool with its upkeep as Promises, the Promise handlers, and the Promise
 * worker with its failures, its health and a stop in the middle of a day.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import {
  createPromiseApi,
  createPromiseWorker,
  type PlainLogEntry,
  type PlainPrincipal,
  type PlainStartedRun,
  toWebHandler
} from "transfer-backfills/promise"
import { connectPostgres } from "transfer-backfills/promise/postgres"
import { describe, expect, it } from "vitest"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { layerMemoryTransferLookup } from "../../src/adapters/memory/transferLookup.js"
import { TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { UTC } from "../../src/domain/time.js"
import { openTestServer, uniqueSchemaName } from "../support/database.js"

const SECRET = "a cursor secret of thirty-two bytes or more"
const admin: PlainPrincipal = {
  userId: "7",
  teamIds: ["1"],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}
const schedule = { path: { team_id: "1", transfer_id: "456789" } }
const range = (start: string, end: string) => JSON.stringify({ range_start: start, range_end: end })

const layerTokens = layerStaticTokens({
  "layer-token": {
    userId: UserId.make(8n),
    teamIds: [TeamId.make(1n)],
    scopes: ["dwh_transfers_write"],
    permissions: ["dwh.transfer.edit"]
  }
})
const layerTransfers = layerMemoryTransferLookup([
  { id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }
])

describe("ports mixed from functions and a layer", () => {
  it("takes the ports a function gives from it, the rest from the layer, and the function wins over the layer", async () => {
    const api = createPromiseApi({
      layer: Layer.mergeAll(layerTokens, layerTransfers, layerMemoryBackfillRepository()),
      authenticate: async (token) => (token === "function-token" ? admin : null),
      cursorSecret: SECRET
    })
    try {
      const created = await api.scheduleBackfill({
        ...schedule,
        authorization: "Bearer function-token",
        body: range("2024-01-01", "2024-01-02")
      })
      expect(created.status).toBe(200)
      expect(JSON.parse(created.body).data.created_user_id).toBe(7)
      const byLayerToken = await api.scheduleBackfill({
        ...schedule,
        authorization: "Bearer layer-token",
        body: range("2024-02-01", "2024-02-02")
      })
      expect(byLayerToken.status).toBe(401)
    } finally {
      await api.dispose()
    }
  })

  it("names a port that neither the layer nor a function gives, in a 503 and its log", async () => {
    const logged: Array<PlainLogEntry> = []
    const api = toWebHandler({
      layer: Layer.mergeAll(layerTokens, layerMemoryBackfillRepository()),
      cursorSecret: SECRET,
      logger: (entry) => logged.push(entry)
    })
    try {
      const answer = await api.handler(
        new Request("http://api.test/teams/1/backfills", { headers: { authorization: "Bearer layer-token" } })
      )
      expect(answer.status).toBe(503)
      expect(JSON.stringify(logged)).toMatch(
        /provides no transfer-backfills\/TransferLookup, and no findTeamTransfer was given as a function/
      )
    } finally {
      await api.dispose()
    }
  })
})

// biome-ignore lint/suspicious/noExplicitAny: the backfill's wire form, read field by field
type Wire = Record<string, any>

/** On a server, the test's schema goes when the test is done; PGlite goes whole. */
const dropSchema = async (database: { readonly kind: string; readonly url: string }, schema: string) => {
  if (database.kind !== "server") return
  await Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(database.url), maxConnections: 1 }))
    )
  )
}

const untilSettled = async (read: () => Promise<Wire>, statuses: ReadonlyArray<string>) => {
  const deadline = performance.now() + 60_000
  for (;;) {
    const current = await read()
    if (statuses.includes(current.status) || performance.now() > deadline) return current
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("a Promise host on PostgreSQL", () => {
  it("keeps a transfer's own limits and refuses what they forbid, naming them, and takes oldest_first", async () => {
    const database = await openTestServer()
    const schema = uniqueSchemaName()
    const db = await connectPostgres({ url: database.url, schema, maxConnections: database.kind === "pglite" ? 1 : 4 })
    const api = createPromiseApi({ layer: db.layer, authenticate: async () => admin, cursorSecret: SECRET })
    const create = (body: Record<string, string>) =>
      api.scheduleBackfill({ ...schedule, authorization: "Bearer any", body: JSON.stringify(body) })
    try {
      await db.migrate()
      await db.saveTransfer({ id: "456789", teamId: "1", limits: { maxRangeDays: 5, earliestDate: "2023-06-01" } })
      const tooLong = await create({ range_start: "2024-01-01", range_end: "2024-01-06" })
      expect([tooLong.status, JSON.parse(tooLong.body).error.description]).toEqual([
        422,
        "The range covers 6 days, longer than this transfer's limit of 5 days."
      ])
      const tooEarly = await create({ range_start: "2023-05-31", range_end: "2023-06-01" })
      expect([tooEarly.status, JSON.parse(tooEarly.body).error.description]).toEqual([
        422,
        "range_start (2023-05-31) is before 2023-06-01, the earliest day this transfer's source keeps."
      ])
      expect((await create({ range_start: "2024-01-01", range_end: "2024-01-05", order: "oldest_first" })).status).toBe(
        200
      )
      // Saved again without limits, the transfer follows the host's policy: up to 366 days.
      await db.saveTransfer({ id: "456789", teamId: "1" })
      expect((await create({ range_start: "2023-06-01", range_end: "2023-06-30" })).status).toBe(200)
    } finally {
      await api.dispose()
      await db.close()
      await dropSchema(database, schema)
      await database.close()
    }
  })

  it("migrates, keeps transfers and tokens, serves, and works its backfills with a Promise worker that reports failures", async () => {
    const database = await openTestServer()
    const schema = uniqueSchemaName()
    const db = await connectPostgres({ url: database.url, schema, maxConnections: database.kind === "pglite" ? 1 : 4 })
    const executed: Array<PlainStartedRun> = []
    const worker = createPromiseWorker({
      layer: db.layer,
      pollIntervalMillis: 50,
      execute: async (run) => {
        executed.push(run)
        if (run.day === "2024-01-02") throw new Error("the source answered 500")
        // A rejection that is not an Error, and an Error that says nothing.
        if (run.day === "2024-01-01") throw "quota exceeded"
        if (run.day === "2024-01-04") throw new Error("")
      }
    })
    const api = createPromiseApi({ layer: db.layer, cursorSecret: SECRET })
    try {
      expect(await db.migrate()).not.toEqual([])
      expect(await db.migrate()).toEqual([])
      await db.saveTransfer({ id: "456789", teamId: "1", timeZone: "UTC" })
      await db.saveToken("pg-token", admin)
      const created = await api.scheduleBackfill({
        ...schedule,
        authorization: "Bearer pg-token",
        body: range("2024-01-01", "2024-01-04")
      })
      expect(created.status).toBe(200)
      expect(worker.health()).toEqual({ running: false, lastSuccessMillis: null, consecutiveFailures: 0 })
      worker.start()
      const read = async () =>
        JSON.parse(
          (await api.getBackfill({ authorization: "Bearer pg-token", path: { team_id: "1", backfill_id: "1" } })).body
        ).data
      const done = await untilSettled(read, ["FAILED", "COMPLETED"])
      expect([done.status, done.transfer_runs_completed, done.transfer_runs_failed]).toEqual(["FAILED", 1, 3])
      expect(done.error_report).toEqual([
        { transfer_run_date: "2024-01-01", error: "quota exceeded" },
        { transfer_run_date: "2024-01-02", error: "the source answered 500" },
        { transfer_run_date: "2024-01-04", error: "The transfer run failed." }
      ])
      expect(executed.map(({ day }) => day)).toEqual(["2024-01-04", "2024-01-03", "2024-01-02", "2024-01-01"])
      expect(executed[1]).toEqual({
        backfillId: "1",
        transferId: "456789",
        day: "2024-01-03",
        rangeStart: "2024-01-01",
        rangeEnd: "2024-01-04"
      })
      expect(worker.health()).toMatchObject({ running: true, consecutiveFailures: 0 })
      expect(worker.health().lastSuccessMillis).not.toBeNull()
    } finally {
      await worker.stop()
      await api.dispose()
      await db.close()
      await dropSchema(database, schema)
      await database.close()
    }
    expect(worker.health().running).toBe(false)
  })

  it("lets the day in flight finish when stopped, and records it", async () => {
    const database = await openTestServer()
    const schema = uniqueSchemaName()
    const db = await connectPostgres({ url: database.url, schema, maxConnections: database.kind === "pglite" ? 1 : 4 })
    let started: () => void = () => undefined
    const dayStarted = new Promise<void>((resolve) => {
      started = resolve
    })
    const worker = createPromiseWorker({
      layer: db.layer,
      pollIntervalMillis: 50,
      execute: async () => {
        started()
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    })
    const api = createPromiseApi({ layer: db.layer, authenticate: async () => admin, cursorSecret: SECRET })
    try {
      await db.migrate()
      await db.saveTransfer({ id: "456789", teamId: "1" })
      expect(
        (
          await api.scheduleBackfill({
            ...schedule,
            authorization: "Bearer any",
            body: range("2024-01-01", "2024-01-05")
          })
        ).status
      ).toBe(200)
      worker.start()
      await dayStarted
      await worker.stop()
      const stopped = JSON.parse(
        (await api.getBackfill({ authorization: "Bearer any", path: { team_id: "1", backfill_id: "1" } })).body
      ).data
      expect([stopped.status, stopped.transfer_runs_completed]).toEqual(["RUNNING", 1])
    } finally {
      await api.dispose()
      await db.close()
      await dropSchema(database, schema)
      await database.close()
    }
  })

  it("says a worker whose layer holds no WorkerRepository is not running, and refuses a lease of no milliseconds", async () => {
    expect(() => createPromiseWorker({ layer: layerTokens, execute: async () => {}, leaseDurationMillis: 0 })).toThrow(
      /leaseDurationMillis must be a positive integer/
    )
    expect(() => createPromiseWorker({ layer: layerTokens, execute: async () => {}, daysPerTurn: 0 })).toThrow(
      /daysPerTurn must be a positive integer/
    )
    expect(() =>
      createPromiseWorker({ layer: layerTokens, execute: async () => {}, maxRunningDaysPerTeam: -1 })
    ).toThrow(/maxRunningDaysPerTeam must be a positive integer/)
    const logged: Array<PlainLogEntry> = []
    const worker = createPromiseWorker({
      layer: layerTokens,
      execute: async () => {},
      logger: (entry) => logged.push(entry)
    })
    worker.start()
    const deadline = performance.now() + 10_000
    while (worker.health().running && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(worker.health().running).toBe(false)
    expect(JSON.stringify(logged)).toContain("the layer provides no WorkerRepository")
    await worker.stop()
  })

  it("refuses to open a pool on a database that does not answer", async () => {
    await expect(
      connectPostgres({ url: "postgres://postgres@127.0.0.1:1/none", deadlineMillis: 1_000 })
    ).rejects.toThrow()
  })
})
