/**
 * Statements prepared once per connection. `pg` sends an unnamed statement by default,
 * which PostgreSQL parses, analyses and plans on every call: for the adapter's
 * statements (a claim is one statement of seven common table expressions) that is about
 * half of the server's work per worker day. Named, each text is parsed once per
 * connection and its plan may be cached. Only the first `limit` distinct texts of a
 * connection are named, so a caller that builds texts without end (a list of values
 * whose length varies) cannot grow the server's memory without bound; the rest go
 * unnamed as before. Names carry the process and the connection: a server session handed
 * on to a later connection (an embedded PGlite keeps one session for every connection it
 * serves) then never meets a name it already holds with another text, and nothing is
 * sent to clear a session (a pooler that tracks prepared statements would lose its own).
 */
import type { PoolClient } from "pg"

/**
 * How many distinct statements one connection prepares at most: 256, some ten times the
 * adapter's own.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_PREPARED_STATEMENTS = 256

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown

/**
 * SQLSTATEs of a prepared statement that must be prepared again: 26000, the session no
 * longer holds it (a `DEALLOCATE`, a pooler's reset); 0A000, a migration changed the
 * type of a column it returns ("cached plan must not change result type").
 */
const isStalePreparation = (error: unknown) => {
  const code = (error as { readonly code?: unknown } | null | undefined)?.code
  return code === "26000" || code === "0A000"
}

/** Connections this process has named statements on, so that no two share a name. */
let connections = 0

/**
 * Makes `client` send each parameterised statement named, the first `limit` distinct
 * texts of it; statements without parameters (`BEGIN`, `COMMIT`) stay simple queries.
 * `pg` keeps the names it has parsed per connection and forgets one whose parse failed,
 * so a statement that failed (its table not yet made) is parsed again next time; one the
 * session lost, or whose result a migration changed, fails once and is prepared anew
 * under another name. Call it on a new connection, before its first statement.
 *
 * @since 0.3.0
 * @category utils
 */
export const nameStatements = (client: PoolClient, limit: number): void => {
  connections += 1
  const prefix = `transfer_backfills_${process.pid}_${connections}_`
  const names = new Map<string, string>()
  let issued = 0
  const query = client.query.bind(client) as Query
  const named: Query = (config, values, callback) => {
    if (typeof config !== "string" || !Array.isArray(values) || values.length === 0) {
      return query(config, values, callback)
    }
    let name = names.get(config)
    if (name === undefined && names.size < limit) {
      issued += 1
      name = `${prefix}${issued}`
      names.set(config, name)
    }
    if (name === undefined || typeof callback !== "function") return query(config, values, callback)
    return query({ name, text: config, values }, (error: unknown, result: unknown) => {
      // The session lost it, or a migration changed what it returns: the next call prepares it anew.
      if (isStalePreparation(error)) names.delete(config)
      return (callback as (error: unknown, result: unknown) => unknown)(error, result)
    })
  }
  ;(client as unknown as { query: Query }).query = named
}
