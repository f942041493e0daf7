/**
 * `transfer-backfills/promise/postgres`: the PostgreSQL ports for hosts without Effect.
 * `connectPostgres` opens one pool and answers its ports as a layer to pass along (to
 * `createPromiseApi`, the Promise handlers and `createPromiseWorker`), with migrations,
 * transfers and tokens as Promises. Needs `@effect/sql` and `@effect/sql-pg` installed
 * (optional peer dependencies of the package; `transfer-backfills/promise` itself never
 * imports them).
 *
 * @module transfer-backfills/promise/postgres
 */
export { connectPostgres, type PostgresConnectionOptions, type PromisePostgres } from "./connect.js"
