/**
 * `transfer-backfills/postgres`: the ports on PostgreSQL through `@effect/sql` and
 * `@effect/sql-pg` (optional peer dependencies; the core entry never imports them).
 *
 * @module transfer-backfills/postgres
 */
export * from "./client.js"
export * from "./directory.js"
export { DEFAULT_DEADLINE } from "./failures.js"
export * from "./migrations.js"
export * from "./repository.js"
export * from "./schemaVersions.js"
