/**
 * The relay as a process, killed with SIGKILL at random points of its deliveries (while
 * the receiver holds a request open: the receiver has the event, the relay never hears
 * back), restarted each time, on the PostgreSQL server while changes keep coming: every
 * event of the outbox reaches the receiver, none ahead of the ones before it, and the
 * outbox ends with every event delivered.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { SqlClient } from "@effect/sql"
import { Effect, FastCheck as fc, type ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { completed, failed } from "../../src/domain/runs.js"
import type { OutboxRepositories } from "../../src/testing/conformance/outbox/steps.js"
import * as steps from "../../src/testing/conformance/steps.js"
import { openServerRepository, openTestServer, uniqueSchemaName } from "../support/database.js"

const databaseUrl = process.env.DATABASE_URL ?? ""
const root = fileURLToPath(new URL("../..", import.meta.url))

describe.runIf(databaseUrl !== "")(
  "the relay killed as a process (needs DATABASE_URL: a relay in another process shares the database)",
  () => {
    const schema = uniqueSchemaName()
    const received: Array<{ readonly backfill: number; readonly sequence: number }> = []
    /** Called on each delivery before it is answered; a kill answers nothing. */
    let onDelivery: (response: ServerResponse) => void = (response) => response.writeHead(204).end()
    let receiver: Server
    let url = ""
    let runtime: ManagedRuntime.ManagedRuntime<OutboxRepositories | SqlClient.SqlClient, unknown>
    let opened: Awaited<ReturnType<typeof openServerRepository>>

    beforeAll(async () => {
      await openTestServer()
      receiver = createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            transfer_backfill_id: number
            sequence: number
          }
          received.push({ backfill: event.transfer_backfill_id, sequence: event.sequence })
          onDelivery(response)
        })
      })
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
      opened = await openServerRepository(databaseUrl, schema)
      runtime = opened.runtime
    }, 60_000)

    afterAll(async () => {
      await opened.close()
      receiver.closeAllConnections()
      await new Promise((resolve) => receiver.close(resolve))
    })

    const startRelay = (): ChildProcess =>
      spawn(process.execPath, ["--import", "tsx", "test/support/relayProcess.ts"], {
        cwd: root,
        env: { ...process.env, SCHEMA: schema, RECEIVER_URL: url },
        stdio: "ignore"
      })

    const run = <A>(effect: Effect.Effect<A, unknown, OutboxRepositories | SqlClient.SqlClient>) =>
      runtime.runPromise(effect)

    /** Some history for team 1: a backfill scheduled, its runs created, a few days reported. */
    const someChanges = (round: number) =>
      run(
        Effect.gen(function* () {
          const month = String(round + 1).padStart(2, "0")
          const backfill = yield* steps.insert(`2022-${month}-01`, `2022-${month}-03`)
          yield* steps.materialiseAll(backfill.id)
          yield* steps.report(backfill.id, `2022-${month}-03`)
          yield* steps.report(backfill.id, `2022-${month}-01`, failed("no data"))
          yield* steps.report(backfill.id, `2022-${month}-02`, completed)
        })
      )

    it("delivers every event in order per backfill, however often it is killed", async () => {
      const kills = fc.sample(fc.integer({ min: 1, max: 7 }), { numRuns: 4, seed: 23 })
      for (const [round, afterDeliveries] of kills.entries()) {
        await someChanges(round)
        const relay = startRelay()
        const exited = new Promise((resolve) => relay.once("exit", resolve))
        let deliveries = 0
        onDelivery = (response) => {
          if (++deliveries < afterDeliveries) return void response.writeHead(204).end()
          // Killed while this delivery waits for its answer.
          relay.kill("SIGKILL")
          exited.then(() => response.destroy())
        }
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))])
        relay.kill("SIGKILL")
        await exited
      }
      onDelivery = (response) => response.writeHead(204).end()
      const last = startRelay()
      const pending = () =>
        run(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) =>
              sql<{ readonly count: number }>`
              SELECT count(*)::int AS count FROM ${sql(schema)}.backfill_events WHERE state <> 'delivered'`
          )
        )
      const deadline = Date.now() + 60_000
      while ((await pending())[0]?.count !== 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100))
      last.kill("SIGKILL")
      const outbox = await run(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{ readonly backfill: number; readonly sequence: number }>`
            SELECT backfill_id::int AS backfill, sequence FROM ${sql(schema)}.backfill_events ORDER BY backfill_id, sequence`
        )
      )
      // Seven events a round: created, scheduled, running, three days reported, failed.
      expect(outbox.length).toBe(kills.length * 7)
      expect((await pending())[0]?.count).toBe(0)
      for (const backfill of new Set(outbox.map((event) => event.backfill))) {
        const expected = outbox.filter((event) => event.backfill === backfill).map((event) => event.sequence)
        let applied = 0
        for (const { sequence } of received.filter((event) => event.backfill === backfill)) {
          expect(sequence).toBeLessThanOrEqual(applied + 1)
          applied = Math.max(applied, sequence)
        }
        expect(applied).toBe(expected.length)
      }
      // The kills made the receiver see some events twice: what the test set out to cause.
      expect(received.length).toBeGreaterThan(outbox.length)
    }, 180_000)
  }
)
