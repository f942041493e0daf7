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
import { Effect, Layer, Option, Redacted } from "effect"

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

/** A client of the server at `url`, or of an embedded database when there is none. */
export const layerDatabase = (url: Option.Option<string>): Layer.Layer<SqlClient.SqlClient, unknown> =>
  Option.match(url, {
    onSome: (serverUrl) => PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 16 }),
    // PGlite serves one connection at a time.
    onNone: () =>
      Layer.unwrapScoped(
        Effect.map(embeddedPostgres, ({ url: embeddedUrl }) =>
          PgClient.layer({ url: Redacted.make(embeddedUrl), maxConnections: 1 })
        )
      )
  })
