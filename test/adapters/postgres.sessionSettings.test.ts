/**
 * The PostgreSQL adapter on sessions whose settings change how values are written out as
 * text (`UNUSUAL_SESSION_SETTINGS`: German dates, a zone far from UTC, SQL-standard
 * intervals, cut floats): both conformance suites, every date, instant and number read
 * exactly as on a default session.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { backfillRepositoryConformance, workerRepositoryConformance } from "../../src/testing/conformance.js"
import { freshRepository, openTestDatabase, UNUSUAL_SESSION_SETTINGS } from "../support/database.js"

const database = await openTestDatabase({ sessionSettings: UNUSUAL_SESSION_SETTINGS })
afterAll(() => database.close())

describe(`a PostgreSQL session with unusual settings (${database.kind})`, () => {
  it("is in force: dates and instants come out unlike ISO and UTC as text", async () => {
    const [row] = await Effect.runPromise(
      Effect.provide(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{ readonly day: string; readonly zone: string }>`
            SELECT '2024-01-31'::date::text AS day, current_setting('TimeZone') AS zone`
        ),
        database.client
      )
    )
    expect(row).toEqual({ day: "31.01.2024", zone: "Pacific/Chatham" })
  })
})

backfillRepositoryConformance(
  `the PostgreSQL repository (${database.kind}) on a German, Chatham Islands session`,
  freshRepository(database)
)
workerRepositoryConformance(
  `the PostgreSQL repository (${database.kind}) on a German, Chatham Islands session`,
  freshRepository(database)
)
