/**
 * `transfer-backfills/http-api`: the API as an `@effect/platform` `HttpApi` definition
 * and the OpenAPI 3.1 document generated from it, for hosts built on `@effect/platform`
 * (an optional peer dependency; no other entry imports it).
 */
export * from "./api.js"
export { backfillRouter } from "./router.js"
export { incomingFromServerRequest, toServerResponse } from "./serverRequest.js"
