/**
 * `transfer-backfills/http-api`: the API for hosts built on `@effect/platform` (an
 * optional peer dependency; no other entry imports it): `backfillRouter()`, the whole API
 * as an `HttpRouter`; the `HttpApi` definition, for typed clients; and the OpenAPI 3.1
 * document generated from it.
 *
 * @module transfer-backfills/http-api
 */
export * from "./api.js"
export { backfillRouter } from "./router.js"
export { incomingFromServerRequest, toServerResponse } from "./serverRequest.js"
