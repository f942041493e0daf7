/**
 * A PostgreSQL client for the adapters that never keeps a hung connection. Port calls
 * already give up after their deadline (`failures.ts`), but `@effect/sql-pg` hands an
 * abandoned connection back to its pool, and the next call on it would hang as well.
 * Here each connection watches itself: once it has sent a request and heard nothing back
 * for `deadline`, it is destroyed, so the pool drops it and opens a fresh one.
 */
import { Socket } from "node:net"
import { SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect } from "effect"
import Pg from "pg"
import { DEFAULT_DEADLINE } from "./failures.js"
import { DEFAULT_PREPARED_STATEMENTS, nameStatements } from "./namedStatements.js"

/**
 * A socket that destroys itself when a write goes unanswered for `deadlineMillis`. The
 * timer starts with the first write after the socket last heard from the server and
 * stops at the next byte it receives, so idle pooled connections are never touched.
 */
const answerDeadlineSocket = (deadlineMillis: number): Socket => {
  const socket = new Socket()
  let timer: ReturnType<typeof setTimeout> | undefined
  const stop = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  const start = () => {
    if (timer !== undefined || socket.destroyed) return
    timer = setTimeout(
      () => socket.destroy(new Error(`No answer from the database within ${deadlineMillis} ms`)),
      deadlineMillis
    )
    timer.unref()
  }
  socket.on("data", stop)
  socket.on("close", stop)
  // The operating system's own watch, for a peer that vanished while nothing was asked.
  socket.on("connect", () => socket.setKeepAlive(true, deadlineMillis))
  // The hooks a stream implements its writes with: `connect` resets an own `write`.
  const write = socket._write.bind(socket)
  socket._write = (chunk, encoding, callback) => {
    start()
    write(chunk, encoding, callback)
  }
  const writev = socket._writev?.bind(socket)
  if (writev !== undefined) {
    socket._writev = (chunks, callback) => {
      start()
      writev(chunks, callback)
    }
  }
  return socket
}

/**
 * Where the database is and how the client treats it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostgresClientOptions {
  /** `postgres://user@host:port/database`. */
  readonly url: string
  /** Default 10, as `pg`'s pool. */
  readonly maxConnections?: number | undefined
  /**
   * How long a connection may wait for an answer before it is closed; use the deadline
   * the ports are given. Default 5 seconds. TLS connections wrap the socket below this
   * watch: on them the ports' deadline still answers, but a hung connection is only
   * dropped when the operating system gives up on it.
   */
  readonly deadline?: Duration.DurationInput | undefined
  /** Shown in `pg_stat_activity`, to tell this client's connections apart. */
  readonly applicationName?: string | undefined
  /**
   * How many distinct statements one connection prepares (parses and plans once, then
   * reuses); the rest are sent unnamed. Default 256. 0 names none: for a connection
   * pooler in transaction mode that does not carry prepared statements between server
   * sessions (PgBouncer before 1.21, or without `max_prepared_statements`).
   */
  readonly preparedStatements?: number | undefined
}

/**
 * The URL with server settings that end, on the server's side too, what the client gave
 * up on: a statement running past the deadline, and a transaction left idle as long (its
 * client frozen or gone), which would otherwise hold its row locks until TCP notices.
 * Settings already in the URL's `options` come after, so they win.
 */
const withServerDeadlines = (url: string, deadlineMillis: number): string => {
  const parsed = new URL(url)
  const own = `-c statement_timeout=${deadlineMillis} -c idle_in_transaction_session_timeout=${deadlineMillis}`
  const given = parsed.searchParams.get("options")
  parsed.searchParams.set("options", given === null ? own : `${own} ${given}`)
  return parsed.toString()
}

/**
 * `@effect/sql-pg`'s client on a `pg` pool of its own, with connections that close
 * themselves when hung, server sessions that end statements and idle transactions past
 * the same deadline, and statements prepared once per connection (`namedStatements.ts`):
 * once a connection has sent a request and heard nothing back for `deadline`, it is
 * destroyed, so the pool drops it and never hands a frozen connection to the next call.
 * Give it the deadline the ports are given. `PgClient.layer` works too, without that
 * guard and with every statement parsed and planned anew.
 *
 * @example
 * ```ts
 * import { Duration, Layer } from "effect"
 * import {
 *   layerPostgresAuthenticator,
 *   layerPostgresBackfillRepository,
 *   layerPostgresClient,
 *   layerPostgresTransferLookup
 * } from "transfer-backfills/postgres"
 *
 * const deadline = Duration.seconds(5) // a call waits no longer: then 503 SERVICE_UNAVAILABLE
 * const schema = "transfer_backfills"
 * const database = layerPostgresClient({ url: "postgres://app@localhost:5432/app", maxConnections: 16, deadline })
 *
 * const ports = Layer.mergeAll(
 *   layerPostgresBackfillRepository({ schema, deadline }),
 *   layerPostgresTransferLookup({ schema, deadline }),
 *   layerPostgresAuthenticator({ schema, deadline })
 * ).pipe(Layer.provide(database))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPostgresClient = (options: PostgresClientOptions) => {
  const deadlineMillis = Duration.toMillis(options.deadline ?? DEFAULT_DEADLINE)
  const preparedStatements = options.preparedStatements ?? DEFAULT_PREPARED_STATEMENTS
  const pool = Effect.acquireRelease(
    Effect.sync(() => {
      const opened = new Pg.Pool({
        connectionString: withServerDeadlines(options.url, deadlineMillis),
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: deadlineMillis,
        stream: () => answerDeadlineSocket(deadlineMillis),
        application_name: options.applicationName ?? "@effect/sql-pg"
      })
      // A pooled connection that fails while idle is dropped by the pool; nothing to tell.
      opened.on("error", () => {})
      opened.on("connect", (client) => nameStatements(client, preparedStatements))
      return opened
    }),
    (opened) => Effect.promise(() => opened.end()).pipe(Effect.interruptible, Effect.timeoutOption(1000))
  )
  const connected = Effect.tap(pool, (opened) =>
    Effect.tryPromise({
      try: () => opened.query("SELECT 1"),
      catch: (cause) => new SqlError.SqlError({ cause, message: "PgClient: Failed to connect" })
    }).pipe(
      Effect.timeoutFail({
        duration: deadlineMillis,
        onTimeout: () =>
          new SqlError.SqlError({ cause: new Error("Connection timed out"), message: "PgClient: Connection timed out" })
      })
    )
  )
  return PgClient.layerFromPool({
    acquire: connected,
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName })
  })
}
