/**
 * The standard handlers for hosts without Effect: the same `toWebHandler` and
 * `toNodeHandler` as `transfer-backfills/handlers`, built from what `createPromiseApi`
 * takes.
 */
import { answererOf, type HandlerOptions } from "../handlers/answerer.js"
import { type NodeHandler, nodeHandlerOf } from "../handlers/node.js"
import { type WebHandler, webHandlerOf } from "../handlers/web.js"
import type { PromiseApiOptions } from "./options.js"
import { promiseServices } from "./services.js"

const answererFrom = (options: PromiseApiOptions & HandlerOptions) => {
  const { services, logging } = promiseServices(options)
  return answererOf(services, options, logging)
}

/**
 * The whole API as a Node request listener (`node:http`, Express, Fastify), from plain
 * ports: every route on its raw path, SPEC's 400/404/405 envelopes for what no route
 * takes, bodies over 16 KiB and too many headers refused, `X-Request-Id` and
 * `Idempotency-Key` honoured. Options are checked at once, as `createPromiseApi` checks
 * them; `dispose` releases the ports.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { toNodeHandler } from "transfer-backfills/promise"
 *
 * const admin = { userId: "7", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }
 * const api = toNodeHandler({
 *   authenticate: async (token) => (token === process.env.API_TOKEN ? admin : null),
 *   findTeamTransfer: async (teamId, id) => (teamId === "1" && id === "456789" ? { id, teamId } : null),
 *   cursorSecret: process.env.CURSOR_SECRET ?? ""
 * })
 * createServer(api.handler).listen(3000)
 * ```
 *
 * @since 0.2.0
 * @category handlers
 */
export const toNodeHandler = (options: PromiseApiOptions & HandlerOptions): NodeHandler =>
  nodeHandlerOf(answererFrom(options))

/**
 * The whole API as a Fetch handler (`Request` → `Response`: Hono, Bun, Deno, Next.js
 * route handlers), from plain ports, as `toNodeHandler`.
 *
 * @since 0.2.0
 * @category handlers
 */
export const toWebHandler = (options: PromiseApiOptions & HandlerOptions): WebHandler =>
  webHandlerOf(answererFrom(options))
