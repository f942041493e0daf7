/**
 * Relays on the PostgreSQL server, at the edges: a late failure racing the relay that
 * takes its hold over waits for the takeover and, once that commits, does not count (only
 * a server can hold the takeover's transaction open beside the failure: an embedded
 * database has one session); and an event this version cannot read holds up its own
 * backfill only.
 */
import { SqlClient } from "@effect/sql"
import { Effect, type ManagedRuntime, Option } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BackfillOutbox } from "../../src/ports/backfillOutbox.js"
import type { OutboxRepositories } from "../../src/testing/conformance/outbox/steps.js"
import * as steps from "../../src/testing/conformance/steps.js"
import { openServerRepository, openTestServer, uniqueSchemaName } from "../support/database.js"

const databaseUrl = process.env.DATABASE_URL ?? ""
const T0 = 1_800_000_000_000

describe.runIf(databaseUrl !== "")("relays on PostgreSQL (needs DATABASE_URL)", () => {
  const schema = uniqueSchemaName()
  let runtime: ManagedRuntime.ManagedRuntime<OutboxRepositories | SqlClient.SqlClient, unknown>
  let opened: Awaited<ReturnType<typeof openServerRepository>>

  beforeAll(async () => {
    await openTestServer()
    opened = await openServerRepository(databaseUrl, schema)
    runtime = opened.runtime
  }, 60_000)

  afterAll(async () => {
    await opened.close()
  })

  it("waits for a takeover of its hold in flight, and does not count once the takeover commits", async () => {
    const backfill = await runtime.runPromise(steps.insert("2024-01-01", "2024-01-01"))
    const outbox = await runtime.runPromise(BackfillOutbox)
    await runtime.runPromise(outbox.hold("relay-1", T0, 10_000, { backfills: 10, eventsPerBackfill: 10 }))

    // relay-2 takes the lapsed hold over, in a transaction still open.
    const takeover = new pg.Client({ connectionString: databaseUrl })
    await takeover.connect()
    try {
      await takeover.query("BEGIN")
      await takeover.query(
        `UPDATE "${schema}".backfill_event_holds SET relay_id = 'relay-2', held_until_ms = $1 WHERE backfill_id = $2`,
        [T0 + 30_000, String(backfill.id)]
      )
      let settled = false
      const lateFailure = runtime
        .runPromise(
          outbox.markFailed({
            relayId: "relay-1",
            id: backfill.id,
            sequence: 1,
            error: "timed out",
            retryAtMillis: Option.none(),
            nowMillis: T0 + 20_000
          })
        )
        .finally(() => {
          settled = true
        })
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(settled).toBe(false)
      await takeover.query("COMMIT")
      await lateFailure
    } finally {
      await takeover.end()
    }

    const [event] = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe<{ state: string; failed_attempts: number }>(
          `SELECT state, failed_attempts FROM "${schema}".backfill_events WHERE backfill_id = $1 AND sequence = 1`,
          [String(backfill.id)]
        )
      )
    )
    expect(event).toEqual({ state: "pending", failed_attempts: 0 })
    const [hold] = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe<{ relay_id: string }>(
          `SELECT relay_id FROM "${schema}".backfill_event_holds WHERE backfill_id = $1`,
          [String(backfill.id)]
        )
      )
    )
    expect(hold).toEqual({ relay_id: "relay-2" })
  }, 60_000)

  it("leave a backfill whose event they cannot read to another relay, and deliver the others", async () => {
    const stuck = await runtime.runPromise(steps.insert("2024-02-01", "2024-02-01"))
    const readable = await runtime.runPromise(steps.insert("2024-03-01", "2024-03-01"))
    const sql = await runtime.runPromise(SqlClient.SqlClient)
    // An event type of a later version, say, which this one cannot read.
    await runtime.runPromise(
      sql.unsafe(
        `UPDATE "${schema}".backfill_events SET details = jsonb_set(details, '{type}', '"backfill.renamed"')
         WHERE backfill_id = $1`,
        [String(stuck.id)]
      )
    )
    const outbox = await runtime.runPromise(BackfillOutbox)
    const later = T0 + 1_000_000
    const held = await runtime.runPromise(
      outbox.hold("relay-9", later, 10_000, { backfills: 10, eventsPerBackfill: 10 })
    )
    expect(held.map(({ backfillId }) => backfillId)).toContain(readable.id)
    expect(held.map(({ backfillId }) => backfillId)).not.toContain(stuck.id)
    const left = await runtime.runPromise(
      sql.unsafe<{ state: string; holds: string }>(
        `SELECT e.state, (SELECT count(*) FROM "${schema}".backfill_event_holds h WHERE h.backfill_id = e.backfill_id)::text AS holds
         FROM "${schema}".backfill_events e WHERE e.backfill_id = $1`,
        [String(stuck.id)]
      )
    )
    expect(left).toEqual([{ state: "pending", holds: "0" }])
  }, 60_000)
})
