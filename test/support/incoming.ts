import { Effect } from "effect"
import type { IncomingApiRequest } from "../../src/http/dispatch.js"
import { bearer } from "../operations/world.js"

/**
 * A request as a transport hands it to `dispatch`: the team 1 admin's token unless
 * `headers` says otherwise, and an empty body unless one is given.
 */
export const incomingRequest = (
  method: string,
  target: string,
  headers: Readonly<Record<string, string>> = {},
  body: IncomingApiRequest["body"] = Effect.sync(() => undefined)
): IncomingApiRequest => {
  const all: Record<string, string> = { authorization: bearer("admin"), ...headers }
  return {
    method,
    target,
    header: (name) => all[name],
    headerCount: Object.keys(all).length,
    body
  }
}
