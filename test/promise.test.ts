import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import {
  createPromiseApi,
  type PlainLogEntry,
  type PlainPrincipal,
  PromiseApiOptionsError
} from "transfer-backfills/promise"
import { describe, expect, it } from "vitest"
import { layerStaticTokens } from "../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository } from "../src/adapters/memory/backfillRepository.js"
import { layerMemoryTransferLookup } from "../src/adapters/memory/transferLookup.js"
import {
  layerPostgresAuthenticator,
  layerPostgresTransferLookup,
  saveToken,
  saveTransfer
} from "../src/adapters/postgres/directory.js"
import { migrate } from "../src/adapters/postgres/migrations.js"
import { layerPostgresBackfillRepository } from "../src/adapters/postgres/repository.js"
import { TeamId, TransferId, UserId } from "../src/domain/ids.js"
import { UTC } from "../src/domain/time.js"
import { sendBytes } from "./host/rawHttp.js"
import { openTestDatabase, uniqueSchemaName } from "./support/database.js"
import { parseJson } from "./support/losslessJson.js"
import { makePlainPromiseStore } from "./support/plainPromiseStore.js"

const admin: PlainPrincipal = {
  userId: "789",
  teamIds: ["1"],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

const SECRET = "a cursor secret of thirty-two bytes or more"

const options = {
  authenticate: async (token: string) => (token === "demo-admin" ? admin : null),
  findTeamTransfer: async (_: string, id: string) => (id === "456789" ? { id, teamId: "1" } : undefined),
  cursorSecret: SECRET
}

/** The API's ports as Effect layers, in memory: the admin's token and the seed's transfer. */
const memoryPorts = () =>
  Layer.mergeAll(
    layerStaticTokens({
      "demo-admin": {
        userId: UserId.make(789n),
        teamIds: [TeamId.make(1n)],
        scopes: ["dwh_transfers_write"],
        permissions: ["dwh.transfer.edit"]
      }
    }),
    layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
    layerMemoryBackfillRepository()
  )

const request = { authorization: "Bearer demo-admin", path: { team_id: "1", transfer_id: "456789" } }
const january = '{"range_start":"2024-01-01","range_end":"2024-01-31"}'

describe("the Promise facade", () => {
  it("schedules, reads, lists and cancels with plain async ports and the in-memory store", async () => {
    const api = createPromiseApi(options)
    const previewed = await api.previewBackfill({ ...request, body: january })
    expect([previewed.status, (parseJson(previewed.body) as { data: { conflicts: [] } }).data.conflicts]).toEqual([
      200,
      []
    ])
    const created = await api.scheduleBackfill({ ...request, body: january })
    expect(created.status).toBe(200)
    const id = (parseJson(created.body) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(409)
    const path = { team_id: "1", backfill_id: String(id) }
    expect((await api.getBackfill({ authorization: request.authorization, path })).status).toBe(200)
    expect((await api.latestBackfill(request)).status).toBe(200)
    const page = await api.listIncompleteBackfills({
      authorization: request.authorization,
      path: { team_id: "1" },
      query: {}
    })
    expect((parseJson(page.body) as { data: Array<unknown> }).data).toHaveLength(1)
    const cancelled = await api.cancelBackfill({
      authorization: request.authorization,
      path,
      body: '{"status":"CANCELLED"}'
    })
    expect(cancelled.status).toBe(200)
    expect(
      (await api.cancelBackfill({ authorization: request.authorization, path, body: '{"status":"CANCELLED"}' })).status
    ).toBe(422)
    expect((await api.getBackfill({ authorization: "Bearer nope", path })).status).toBe(401)
    await api.dispose()
  })

  it("replays keyed requests, retries in place and reads the ledger", async () => {
    const api = createPromiseApi({ ...options, idempotencyKeyLifetimeMillis: 60_000 })
    const keyed = { ...request, body: january, idempotencyKey: '"promise-0001"' }
    const created = await api.scheduleBackfill(keyed)
    const replayed = await api.scheduleBackfill(keyed)
    const dataOf = (body: string) => (parseJson(body) as { data: unknown }).data
    expect([replayed.status, dataOf(replayed.body)]).toEqual([200, dataOf(created.body)])
    const reused = await api.scheduleBackfill({
      ...keyed,
      body: '{"range_start":"2023-01-01","range_end":"2023-01-02"}'
    })
    expect([reused.status, (parseJson(reused.body) as { error: { code: string } }).error.code]).toEqual([
      422,
      "DUPLICATION_FAILED"
    ])
    const path = { team_id: "1", backfill_id: "1" }
    const runs = await api.listBackfillRuns({ authorization: request.authorization, path, query: { limit: "5" } })
    expect([runs.status, dataOf(runs.body), runs.nextCursor]).toEqual([200, [], null])
    const retry = await api.retryBackfill({
      authorization: request.authorization,
      path,
      body: '{"days":["2024-01-05"]}'
    })
    expect([retry.status, (parseJson(retry.body) as { error: { description: string } }).error.description]).toEqual([
      422,
      "Day 2024-01-05 has not failed in backfill 1; only failed days can be retried."
    ])
    await api.dispose()
  })

  it("works the same over a host's own Promise repository", async () => {
    const api = createPromiseApi({ ...options, repository: makePlainPromiseStore() })
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(200)
    const conflict = await api.scheduleBackfill({ ...request, body: january })
    expect(conflict.status).toBe(409)
    expect(conflict.body).toContain("overlaps active backfill 1")
    const path = { team_id: "1", backfill_id: "1" }
    expect((await api.cancelBackfill({ ...request, path, body: '{"status":"CANCELLED"}' })).status).toBe(200)
    expect((await api.cancelBackfill({ ...request, path, body: '{"status":"CANCELLED"}' })).status).toBe(422)
    expect((await api.getBackfill({ ...request, path: { team_id: "1", backfill_id: "2" } })).status).toBe(404)
    await api.dispose()
  })

  it("answers 503 when a port's promise rejects, and 500 when a port returns nonsense", async () => {
    const down = createPromiseApi({
      ...options,
      authenticate: () => Promise.reject(new Error("auth service down at 10.1.2.3"))
    })
    const response = await down.scheduleBackfill({ ...request, body: january })
    expect(response.status).toBe(503)
    expect(response.body).not.toContain("10.1.2.3")
    const broken = createPromiseApi({
      ...options,
      findTeamTransfer: async (_, id) => ({ id, teamId: "1", timeZone: "Mars/Base" })
    })
    expect((await broken.scheduleBackfill({ ...request, body: january })).status).toBe(500)
    await down.dispose()
    await broken.dispose()
  })

  it("asks for a transfer by both ids, and answers another team's with the 404 whatever the port says", async () => {
    const asked: Array<[string, string]> = []
    const careless = createPromiseApi({
      ...options,
      findTeamTransfer: async (teamId, id) => {
        asked.push([teamId, id])
        return { id, teamId: 2 }
      }
    })
    const response = await careless.scheduleBackfill({ ...request, body: january })
    expect(response.status).toBe(404)
    expect(asked).toEqual([["1", "456789"]])
    await careless.dispose()
  })
})

describe("the Promise facade's options", () => {
  it.each<readonly [string, Record<string, unknown>, RegExp]>([
    ["an empty cursor secret", { cursorSecret: "" }, /cursorSecret must be at least 32 bytes/],
    ["a cursor secret of 31 bytes", { cursorSecret: "x".repeat(31) }, /cursorSecret must be at least 32 bytes/],
    ["a cursor secret that is no string", { cursorSecret: 42 }, /cursorSecret must be a string/],
    ["a policy of 0 days", { policy: { maxRangeDays: 0 } }, /policy takes maxRangeDays, a positive integer/],
    [
      "an impossible earliest day",
      { policy: { earliestDate: "2024-02-30" } },
      /earliestDate, a YYYY-MM-DD day or null/
    ],
    ["an unknown log level", { minimumLogLevel: "LOUD" }, /minimumLogLevel must be one of TRACE, DEBUG/],
    ["a port that is no function", { authenticate: "yes" }, /authenticate must be a function/],
    ["no authenticate function", { authenticate: undefined }, /authenticate and findTeamTransfer must be functions/],
    [
      "no findTeamTransfer function",
      { findTeamTransfer: undefined },
      /authenticate and findTeamTransfer must be functions/
    ],
    [
      "a key lifetime of 0",
      { idempotencyKeyLifetimeMillis: 0 },
      /idempotencyKeyLifetimeMillis must be a positive integer/
    ],
    ["a key lifetime in hours", { idempotencyKeyLifetimeMillis: "24h" }, /idempotencyKeyLifetimeMillis must be/],
    [
      "a repository written for 0.1",
      {
        repository: { ...makePlainPromiseStore(), change: undefined, runsOf: undefined, cancel: async () => null }
      },
      /repository lacks change, runsOf \(see PromiseBackfillRepository: since 0.2 the library decides/
    ]
  ])("refuses %s when the API is created, not on its first request", (_, change, message) => {
    const create = () => createPromiseApi({ ...options, ...change } as never)
    expect(create).toThrow(PromiseApiOptionsError)
    expect(create).toThrow(message)
    // Named as a host's logs show it.
    expect(create).toThrow(expect.objectContaining({ name: "PromiseApiOptionsError" }))
  })

  it("takes a cursor secret of exactly 32 bytes, counted in UTF-8", async () => {
    for (const cursorSecret of ["x".repeat(32), "é".repeat(16)]) {
      const api = createPromiseApi({ ...options, cursorSecret })
      await api.dispose()
    }
    // Sixteen characters, but only 31 bytes.
    expect(() => createPromiseApi({ ...options, cursorSecret: `${"é".repeat(15)}x` })).toThrow(
      /cursorSecret must be at least 32 bytes/
    )
  })

  it("takes the ports as Effect layers, e.g. PostgreSQL's, and releases them on dispose", async () => {
    let released = false
    const ports = Layer.merge(
      memoryPorts(),
      Layer.scopedDiscard(
        Effect.addFinalizer(() =>
          Effect.sync(() => {
            released = true
          })
        )
      )
    )
    const api = createPromiseApi({ layer: ports, cursorSecret: SECRET })
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(200)
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(409)
    expect(released).toBe(false)
    await api.dispose()
    expect(released).toBe(true)
  })

  it("answers 503 while the ports' layer cannot be built, and builds it afresh on the next request", async () => {
    let attempts = 0
    const flaky = Layer.effectDiscard(
      Effect.suspend(() => {
        attempts += 1
        return attempts === 1 ? Effect.dieMessage("database not up yet") : Effect.void
      })
    )
    const ports = Layer.merge(memoryPorts(), flaky)
    const api = createPromiseApi({ layer: ports, cursorSecret: SECRET, logger: () => undefined })
    const first = await api.listIncompleteBackfills({
      ...request,
      path: { team_id: "1" },
      query: {},
      requestId: "flaky-0001"
    })
    expect([first.status, JSON.parse(first.body).error.code, first.nextCursor]).toEqual([
      503,
      "SERVICE_UNAVAILABLE",
      null
    ])
    expect(first.headers["x-request-id"]).toBe("flaky-0001")
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(200)
    expect(attempts).toBe(2)
    await api.dispose()
  })

  it("takes a port left undefined as left out, and refuses a policy it does not know", async () => {
    const api = createPromiseApi({ ...options, repository: undefined })
    expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(200)
    await api.dispose()
    expect(() => createPromiseApi({ ...options, policy: { maxRangeDay: 30 } as never })).toThrow(/nothing else/)
  })

  it("answers even when the host's logger throws", async () => {
    const api = createPromiseApi({
      ...options,
      authenticate: () => Promise.reject(new Error("down")),
      logger: () => {
        throw new Error("the logger is broken")
      }
    })
    expect((await api.getBackfill({ ...request, path: { team_id: "1", backfill_id: "1" } })).status).toBe(503)
    await api.dispose()
  })

  it("applies the host's policy", async () => {
    const api = createPromiseApi({ ...options, policy: { maxRangeDays: 7, earliestDate: "2023-06-01" } })
    const tooLong = await api.scheduleBackfill({ ...request, body: january })
    expect([tooLong.status, tooLong.body]).toEqual([422, expect.stringContaining("7 days")])
    const tooEarly = await api.scheduleBackfill({
      ...request,
      body: '{"range_start":"2023-05-31","range_end":"2023-06-01"}'
    })
    expect([tooEarly.status, tooEarly.body]).toEqual([422, expect.stringContaining("2023-06-01")])
    expect(
      (await api.scheduleBackfill({ ...request, body: '{"range_start":"2024-01-01","range_end":"2024-01-07"}' })).status
    ).toBe(200)
    await api.dispose()
  })

  it("hands what the library logs to the host's logger, from the minimum level up, in plain values", async () => {
    const entries: Array<PlainLogEntry> = []
    const api = createPromiseApi({
      ...options,
      authenticate: () => Promise.reject(new Error("auth service down")),
      logger: (entry) => entries.push(entry),
      minimumLogLevel: "WARN"
    })
    const response = await api.getBackfill({
      ...request,
      path: { team_id: "1", backfill_id: "1" },
      requestId: "promise-request-0001"
    })
    expect(response.status).toBe(503)
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      level: "WARN",
      message: expect.stringMatching(/^A port is unavailable/),
      annotations: { request_id: "promise-request-0001" }
    })
    expect(typeof entries[0]?.timeMillis).toBe("number")
    await api.dispose()
  })

  it("gives ids to the host's ports as decimal strings, and reads numbers and bigints back too", async () => {
    const seen: Array<unknown> = []
    const api = createPromiseApi({
      ...options,
      authenticate: async () => ({ ...admin, userId: 789, teamIds: [1n] }),
      findTeamTransfer: async (teamId, transferId) => {
        seen.push(teamId, transferId)
        return { id: BigInt(transferId), teamId: Number(teamId) }
      },
      repository: makePlainPromiseStore()
    })
    const created = await api.scheduleBackfill({ ...request, body: january })
    expect(created.status).toBe(200)
    expect(seen).toEqual(["1", "456789"])
    await api.dispose()
  })
})

describe("the Promise facade on PostgreSQL", () => {
  it("runs on the PostgreSQL layers given as its ports", async () => {
    const database = await openTestDatabase()
    const schema = uniqueSchemaName()
    const onDatabase = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      Effect.runPromise(Effect.provide(effect, database.client))
    try {
      await onDatabase(
        Effect.gen(function* () {
          yield* migrate({ schema })
          yield* saveTransfer({ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }, { schema })
          yield* saveToken(
            "demo-admin",
            {
              userId: UserId.make(789n),
              teamIds: [TeamId.make(1n)],
              scopes: ["dwh_transfers_read", "dwh_transfers_write"],
              permissions: ["dwh.transfer.edit"]
            },
            { schema }
          )
        })
      )
      const api = createPromiseApi({
        layer: Layer.mergeAll(
          layerPostgresBackfillRepository({ schema }),
          layerPostgresTransferLookup({ schema }),
          layerPostgresAuthenticator({ schema })
        ).pipe(Layer.provide(Layer.succeedContext(database.client))),
        cursorSecret: SECRET
      })
      const created = await api.scheduleBackfill({ ...request, body: january })
      expect(created.status).toBe(200)
      expect((await api.scheduleBackfill({ ...request, body: january })).status).toBe(409)
      const page = await api.listIncompleteBackfills({ ...request, path: { team_id: "1" }, query: { limit: "1" } })
      expect([page.status, page.nextCursor]).toEqual([200, null])
      await api.dispose()
    } finally {
      await onDatabase(SqlClient.SqlClient.pipe(Effect.flatMap((sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`))))
      await database.close()
    }
  })
})

describe("the plain node:http example in docs/", () => {
  it("runs, schedules the seed's backfill and stops on SIGTERM", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url))
    const child = spawn(process.execPath, ["--import", "tsx", "docs/examples/promise-host.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const url = await new Promise<string>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        const found = /listening on (\S+)/.exec(chunk.toString())?.[1]
        if (found !== undefined) resolve(found)
      })
    })
    const response = await fetch(`${url}/teams/1/transfers/456789/backfills`, {
      method: "POST",
      headers: { authorization: "Bearer demo-admin" },
      body: january
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(((await response.json()) as { data: { transfer_runs_total: number } }).data.transfer_runs_total).toBe(31)
    // 1,100 headers before the credentials: the 400 envelope, not a request read without them.
    const padded = await sendBytes(
      url,
      `GET /teams/1/backfills HTTP/1.1\r\nHost: x\r\n${"X-Pad: 1\r\n".repeat(1100)}Authorization: Bearer demo-admin\r\nConnection: close\r\n\r\n`
    )
    expect(padded).toMatch(/^HTTP\/1\.1 400 /)
    expect(padded).toContain('"description":"The request must not carry more than 100 headers."')
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  }, 30_000)
})
