/**
 * Where the reference host keeps its data: the PostgreSQL server in `DATABASE_URL`, or an
 * embedded PGlite served over the wire protocol on a loopback port, so that the very same
 * `@effect/sql-pg` client and adapter run either way.
 */

import { randomUUID } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { type Duration, Effect, Layer, Option, Redacted } from "effect"
import { layerPostgresClient } from "../adapters/postgres/client.js"

/**
 * An embedded PostgreSQL for the scope, reachable at the URL it yields: a fresh one, or
 * one restored from a snapshot of its data directory, which starts in a fraction of the
 * time (no initdb, nothing to migrate).
 */
export const embeddedPostgres = (snapshot: Option.Option<Blob> = Option.none()) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const db = await Option.match(snapshot, {
        onNone: () => PGlite.create({ extensions: { btree_gist } }),
        onSome: (loadDataDir) => PGlite.create({ extensions: { btree_gist }, loadDataDir })
      })
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
  /** Distinct statements one server connection prepares. */
  readonly preparedStatements: number
  /** How long a server connection may leave a request unanswered before it is closed. */
  readonly deadline: Duration.DurationInput
  /** Makes the database ready to serve: migrations, demo data. */
  readonly prepare: Effect.Effect<void, unknown, SqlClient.SqlClient>
  /**
   * Where the embedded database keeps a snapshot of itself as `prepare` left it: restored
   * on the next start when it exists, written after `prepare` when it does not.
   */
  readonly snapshot: Option.Option<string>
}

const readSnapshot = (path: string) =>
  Effect.sync(() => {
    try {
      return Option.some(new Blob([readFileSync(path)]))
    } catch {
      return Option.none<Blob>()
    }
  })

/** Best effort: a host that cannot write its snapshot starts the slow way next time. */
const writeSnapshot = (db: PGlite, path: string) =>
  Effect.tryPromise(async () => {
    const dump = await db.dumpDataDir("gzip")
    mkdirSync(dirname(path), { recursive: true })
    // Written aside and renamed into place: a host starting meanwhile never reads half a file.
    const aside = `${path}.${randomUUID()}`
    try {
      writeFileSync(aside, Buffer.from(await dump.arrayBuffer()))
      renameSync(aside, path)
    } finally {
      rmSync(aside, { force: true })
    }
  }).pipe(Effect.catchAll((error) => Effect.logWarning("The embedded database's snapshot was not written", error)))

/**
 * The embedded database, from the snapshot when there is one that loads. One that does not
 * (written by another PGlite release under a path of the host's choosing, say) is removed,
 * and the database starts fresh: it is written again once prepared.
 */
const startEmbedded = (path: Option.Option<string>) =>
  Effect.gen(function* () {
    const snapshot = yield* Effect.transposeMapOption(path, readSnapshot).pipe(Effect.map(Option.flatten))
    if (Option.isNone(snapshot)) return { embedded: yield* embeddedPostgres(), restored: false }
    const restored = yield* Effect.exit(embeddedPostgres(snapshot))
    if (restored._tag === "Success") return { embedded: restored.value, restored: true }
    yield* Effect.logWarning("The embedded database's snapshot did not load; starting afresh", restored.cause)
    yield* Effect.sync(() => Option.map(path, (unusable) => rmSync(unusable, { force: true })))
    return { embedded: yield* embeddedPostgres(), restored: false }
  })

/**
 * A client of the server at `url`, whose hung connections close themselves, or of an
 * embedded database when there is none, prepared either way. The embedded one runs in
 * this process, with no network between to freeze; it serves one connection at a time
 * and one statement after another, so a statement that waits there is queued work, not
 * a hung connection.
 */
export const layerDatabase = (options: DatabaseOptions): Layer.Layer<SqlClient.SqlClient, unknown> =>
  Option.match(options.url, {
    onSome: (serverUrl) =>
      Layer.provideMerge(
        Layer.effectDiscard(options.prepare),
        layerPostgresClient({
          url: serverUrl,
          maxConnections: options.poolSize,
          preparedStatements: options.preparedStatements,
          deadline: options.deadline,
          applicationName: "transfer-backfills-host"
        })
      ),
    onNone: () =>
      Layer.unwrapScoped(
        Effect.gen(function* () {
          const { embedded, restored } = yield* startEmbedded(options.snapshot)
          const { db, url } = embedded
          const snapshotToWrite = Option.filter(options.snapshot, () => !restored)
          const prepared = Effect.zipRight(
            options.prepare,
            Option.match(snapshotToWrite, { onNone: () => Effect.void, onSome: (path) => writeSnapshot(db, path) })
          )
          return Layer.provideMerge(
            Layer.effectDiscard(prepared),
            PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })
          )
        })
      )
  })
