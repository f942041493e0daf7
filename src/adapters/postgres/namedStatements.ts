/**
 * Statements prepared once per connection. `pg` sends an unnamed statement by default,
 * which PostgreSQL parses, analyses and plans on every call: for the adapter's
 * statements (a claim is one statement of seven common table expressions) that is about
 * half of the server's work per worker day. Named, each text is parsed once per
 * connection and its plan may be cached. Only the first `limit` distinct texts of a
 * connection are named, so a caller that builds texts without end (a list of values
 * whose length varies) cannot grow the server's memory without bound; the rest go
 * unnamed as before. Before its first name a connection drops whatever its server session
 * already holds: a session handed on to a later connection (an embedded PGlite keeps one
 * session for every connection it serves) must not answer a name with another text.
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
 * Makes `client` send each parameterised statement named, the first `limit` distinct
 * texts of it; statements without parameters (`BEGIN`, `COMMIT`) stay simple queries.
 * `pg` keeps the names it has parsed per connection and forgets one whose parse failed,
 * so a statement that failed (its table not yet made) is parsed again next time. Call it
 * on a new connection, before its first statement. Statements given without a callback
 * (`pg`'s promise form, which `@effect/sql-pg` does not use) go unnamed.
 *
 * @since 0.3.0
 * @category utils
 */
export const nameStatements = (client: PoolClient, limit: number): void => {
  const names = new Map<string, string>()
  const query = client.query.bind(client) as Query
  let sessionCleared = false
  const named: Query = (config, values, callback) => {
    if (typeof config !== "string" || !Array.isArray(values) || values.length === 0 || typeof callback !== "function") {
      return query(config, values, callback)
    }
    let name = names.get(config)
    if (name === undefined && names.size < limit) {
      name = `transfer_backfills_${names.size + 1}`
      names.set(config, name)
    }
    if (name === undefined) return query(config, values, callback)
    const statement = { name, text: config, values }
    if (sessionCleared) return query(statement, callback)
    // The connection's first name: what its session already holds goes first.
    return query("DEALLOCATE ALL", (error: unknown) => {
      if (error) return (callback as (error: unknown) => void)(error)
      sessionCleared = true
      return query(statement, callback)
    })
  }
  ;(client as unknown as { query: Query }).query = named
}
