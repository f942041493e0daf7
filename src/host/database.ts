/**
 * Where the reference host keeps its data: the PostgreSQL server in `DATABASE_URL`, or an
 * embedded PGlite served over the wire protocol on a loopback port, so that the very same
 * `@effect/sql-pg` client and adapter run either way.
 */

import type { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { type Duration, Effect, Layer, Option, Redacted } from "effect"
import { layerPostgresClient } from "../adapters/postgres/client.js"

/** An embedded PostgreSQL for the scope, reachable at the URL it yields. */
export const embeddedPostgres = Effect.acquireRelease(
  Effect.promise(async () => {
    const db = await PGlite.create({ extensions: { btree_gist } })
    const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" })
    await server.start()
    return { db, server, url: `postgres://postgres@${server.getServerConn()}/postgres` }
  }),
  ({ db, server }) =>
    Effect.promise(async () => {
      await server.stop()
      await db.close()
    })
)

interface DatabaseOptions {
  /** A PostgreSQL server; `None` runs an embedded one. */
  readonly url: Option.Option<string>
  /** Connections to a server at most. */
  readonly poolSize: number
  /** How long a server connection may leave a request unanswered before it is closed. */
  readonly deadline: Duration.DurationInput
}

/**
 * A client of the server at `url`, whose hung connections close themselves, or of an
 * embedded database when there is none. The embedded one runs in this process, with no
 * network between to freeze; it serves one connection at a time and one statement after
 * another, so a statement that waits there is queued work, not a hung connection.
 */
export const layerDatabase = (options: DatabaseOptions): Layer.Layer<SqlClient.SqlClient, unknown> =>
  Option.match(options.url, {
    onSome: (serverUrl) =>
      layerPostgresClient({
        url: serverUrl,
        maxConnections: options.poolSize,
        deadline: options.deadline,
        applicationName: "transfer-backfills-host"
      }),
    onNone: () =>
      Layer.unwrapScoped(
        Effect.map(embeddedPostgres, ({ url: embeddedUrl }) =>
          PgClient.layer({ url: Redacted.make(embeddedUrl), maxConnections: 1 })
        )
      )
  })
