/**
 * `transfer-backfills/handlers`: the whole API as a standard handler, built once from the
 * API's ports (a layer): `toWebHandler` for Fetch platforms, `toNodeHandler` for Node's
 * request listeners. Hosts without Effect find the same two in `transfer-backfills/promise`,
 * built from plain functions.
 *
 * @module transfer-backfills/handlers
 */
export type { Answerer, HandlerOptions } from "./answerer.js"
export { type NodeHandler, toNodeHandler } from "./node.js"
export { type NodeRequestEnv, toWebHandler, type WebHandler } from "./web.js"
