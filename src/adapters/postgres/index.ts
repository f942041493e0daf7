/**
 * `transfer-backfills/postgres`: the ports on PostgreSQL through `@effect/sql` and
 * `@effect/sql-pg` (optional peer dependencies; the core entry never imports them).
 */
export * from "./directory.js"
export * from "./migrations.js"
export * from "./repository.js"
