/**
 * `layerPostgresClient` prepares each statement once per connection, up to its limit,
 * and still answers every statement past it; a statement whose parse failed is parsed
 * again; a server session handed on to a new connection (PGlite keeps one for all) does
 * not answer a name with another text. Runs on the server in `DATABASE_URL`, else on
 * PGlite.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schedule } from "effect"
import { afterAll } from "vitest"
import { layerPostgresClient } from "../../src/adapters/postgres/client.js"
import { DEFAULT_PREPARED_STATEMENTS } from "../../src/adapters/postgres/namedStatements.js"
import { openTestServer, uniqueSchemaName } from "../support/database.js"

const database = await openTestServer()
afterAll(() => database.close())

/**
 * One connection, so that every statement of a test meets the same session. PGlite
 * serves one connection at a time and refuses the next until it has seen the last one
 * close: the connection is tried again.
 */
const oneConnection = (preparedStatements?: number) =>
  layerPostgresClient({
    url: database.url,
    maxConnections: 1,
    ...(preparedStatements === undefined ? {} : { preparedStatements })
  }).pipe(Layer.retry(Schedule.spaced(Duration.millis(50)).pipe(Schedule.intersect(Schedule.recurs(40)))))

/**
 * The statements the session holds prepared that name `column`: a session PGlite hands
 * on still holds an earlier connection's.
 */
const preparedInSession = (column: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.pipe(
      Effect.map((rows) => rows.map((row) => row.statement).filter((text) => text.endsWith(` AS ${column}`)))
    )
  )

/** `count` distinct parameterised statements, each answering its own number as `column`. */
const distinctStatements = (count: number, column = "n") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.forEach(
      Array.from({ length: count }, (_, index) => index),
      (index) =>
        Effect.map(
          sql.unsafe<Record<string, number>>(`SELECT $1::int + ${index} AS ${column}`, [100]),
          (rows) => rows[0]?.[column]
        )
    )
  )

describe(`named statements (${database.kind})`, () => {
  it.live(
    "prepare a parameterised statement once per connection, and statements without parameters never",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        for (let round = 0; round < 3; round++) expect(yield* sql`SELECT ${round}::int AS n`).toEqual([{ n: round }])
        yield* sql`SELECT 1`
        expect(yield* preparedInSession("n")).toEqual(["SELECT $1::int AS n"])
      }).pipe(Effect.provide(oneConnection())),
    30_000
  )

  it.live(
    "name the first statements up to the limit, and answer every one past it unnamed",
    () =>
      Effect.gen(function* () {
        expect(yield* distinctStatements(5, "capped")).toEqual([100, 101, 102, 103, 104])
        expect(yield* distinctStatements(5, "capped")).toEqual([100, 101, 102, 103, 104])
        expect(yield* preparedInSession("capped")).toEqual([
          "SELECT $1::int + 0 AS capped",
          "SELECT $1::int + 1 AS capped"
        ])
      }).pipe(Effect.provide(oneConnection(2))),
    30_000
  )

  it.live(
    "name none when the limit is 0, and 256 by default",
    () =>
      Effect.gen(function* () {
        expect(DEFAULT_PREPARED_STATEMENTS).toBe(256)
        yield* Effect.provide(
          Effect.gen(function* () {
            expect(yield* distinctStatements(3, "unnamed")).toEqual([100, 101, 102])
            expect(yield* preparedInSession("unnamed")).toEqual([])
          }),
          oneConnection(0)
        )
        yield* Effect.provide(
          Effect.gen(function* () {
            expect(yield* distinctStatements(300, "many")).toHaveLength(300)
            expect(yield* preparedInSession("many")).toHaveLength(256)
          }),
          oneConnection()
        )
      }),
    60_000
  )

  it.live(
    "parse a statement again after its parse failed",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const table = `"${uniqueSchemaName()}"`
        const read = sql.unsafe<{ readonly n: number }>(`SELECT n FROM ${table} WHERE n = $1`, [7])
        expect((yield* Effect.flip(read))._tag).toBe("SqlError")
        yield* sql.unsafe(`CREATE TABLE ${table} (n int)`)
        yield* sql.unsafe(`INSERT INTO ${table} VALUES (7)`)
        expect(yield* read).toEqual([{ n: 7 }])
        expect(yield* read).toEqual([{ n: 7 }])
        yield* sql.unsafe(`DROP TABLE ${table}`)
      }).pipe(Effect.provide(oneConnection())),
    30_000
  )

  it.live(
    "prepare a statement anew after its session lost it, or a migration changed what it returns",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const table = `"${uniqueSchemaName()}"`
        yield* sql.unsafe(`CREATE TABLE ${table} (n int)`)
        yield* sql.unsafe(`INSERT INTO ${table} VALUES (7)`)
        const read = sql.unsafe<{ readonly n: unknown }>(`SELECT n FROM ${table} WHERE $1::int > 0`, [1])
        expect(yield* read).toEqual([{ n: 7 }])
        yield* sql.unsafe("DEALLOCATE ALL")
        expect((yield* Effect.flip(read))._tag).toBe("SqlError")
        expect(yield* read).toEqual([{ n: 7 }])
        yield* sql.unsafe(`ALTER TABLE ${table} ALTER COLUMN n TYPE text`)
        // Once refused with 0A000 ("cached plan must not change result type"), then answered.
        expect((yield* Effect.flip(read))._tag).toBe("SqlError")
        expect(yield* read).toEqual([{ n: "7" }])
        yield* sql.unsafe(`DROP TABLE ${table}`)
      }).pipe(Effect.provide(oneConnection())),
    30_000
  )

  it.live(
    "never answer a name with the text of an earlier connection on the same session",
    () =>
      Effect.gen(function* () {
        const answers = (offset: number) =>
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql.unsafe<{ readonly n: number }>(`SELECT $1::int * ${offset} AS n`, [3])
          )
        expect(yield* Effect.provide(answers(1), oneConnection())).toEqual([{ n: 3 }])
        expect(yield* Effect.provide(answers(2), oneConnection())).toEqual([{ n: 6 }])
        expect(yield* Effect.provide(answers(3), Layer.fresh(oneConnection()))).toEqual([{ n: 9 }])
      }),
    30_000
  )
})
