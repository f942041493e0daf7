import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect, Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import { layerMemoryBackfillRepository } from "../src/adapters/memory/backfillRepository.js"
import { BackfillRepository } from "../src/ports/backfillRepository.js"
import { createPromiseApi, type PlainPrincipal, type PromiseBackfillRepository } from "../src/promise.js"
import { accessTo, OPERATOR } from "./support/access.js"
import { parseJson } from "./support/losslessJson.js"

const admin: PlainPrincipal = {
  userId: 789n,
  teamIds: [1n],
  scopes: ["dwh_transfers_write"],
  permissions: ["dwh.transfer.edit"]
}

const options = {
  authenticate: async (token: string) => (token === "demo-admin" ? admin : undefined),
  findTransfer: async (id: bigint) => (id === 456789n ? { id, teamId: 1n } : undefined),
  cursorSecret: "s"
}

const request = { authorization: "Bearer demo-admin", path: { team_id: "1", transfer_id: "456789" } }
const january = '{"range_start":"2024-01-01","range_end":"2024-01-31"}'

/** A Promise repository a host might write, here over the library's in-memory one. */
const promiseRepository = async (): Promise<PromiseBackfillRepository> => {
  const repository = await Effect.runPromise(Effect.provide(BackfillRepository, layerMemoryBackfillRepository()))
  const team = (teamId: bigint) => accessTo(teamId)
  const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.either(effect))
  return {
    insertUnlessOverlapping: async (teamId, backfill) =>
      Either.match(await run(repository.insertUnlessOverlapping(team(teamId), backfill)), {
        onRight: (inserted) => ({ inserted }),
        onLeft: (error) => {
          if (error._tag === "ActiveRangeOverlap") return { conflicting: error.conflicting }
          throw error
        }
      }),
    findForTeam: async (teamId, id) =>
      Option.getOrUndefined(await Effect.runPromise(repository.findForTeam(team(teamId), id))),
    // This host keeps one team: the facade has checked the transfer is the caller's.
    latestForTransfer: async (id) =>
      Option.getOrUndefined(await Effect.runPromise(repository.latestForTransfer(team(1n), id))),
    listForTeam: (teamId, query) => Effect.runPromise(repository.listForTeam(team(teamId), query)),
    cancel: async (id, removal) =>
      Either.match(
        await run(repository.cancel(accessTo(1n, { ...OPERATOR, userId: removal.userId }), id, removal.time)),
        {
          onRight: (cancelled) => ({ cancelled }),
          onLeft: (error) => (error._tag === "IllegalTransition" ? { refusedFrom: error.from } : undefined)
        }
      )
  }
}

describe("the Promise facade", () => {
  it("schedules, reads, lists and cancels with plain async ports and the in-memory store", async () => {
    const api = createPromiseApi(options)
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

  it("works the same over a host's own Promise repository", async () => {
    const api = createPromiseApi({ ...options, repository: await promiseRepository() })
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
      findTransfer: async (id) => ({ id, teamId: 1n, timeZone: "Mars/Base" })
    })
    expect((await broken.scheduleBackfill({ ...request, body: january })).status).toBe(500)
    await down.dispose()
    await broken.dispose()
  })

  it("asks for a transfer by both ids, and answers another team's with the 404 whatever the port says", async () => {
    const asked: Array<[bigint, bigint]> = []
    const careless = createPromiseApi({
      ...options,
      findTransfer: async (id, teamId) => {
        asked.push([id, teamId])
        return { id, teamId: 2n }
      }
    })
    const response = await careless.scheduleBackfill({ ...request, body: january })
    expect(response.status).toBe(404)
    expect(asked).toEqual([[456789n, 1n]])
    await careless.dispose()
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
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  }, 30_000)
})
