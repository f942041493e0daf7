/**
 * The backfill API on Express 5: `node --import tsx examples/express.ts` (PORT, default
 * 3000; Ctrl-C stops it): the library's Node handler mounted on an Express app.
 */

import { once } from "node:events"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import express from "express"
import { toNodeHandler } from "transfer-backfills/handlers"
import { demoPorts } from "./demoPorts.js"

export const startExpressHost = async (port: number) => {
  // The ports are built once; `close` disposes them. Mounted before any body parser: the
  // library reads the body itself, after the token and the caller's access, in SPEC's order.
  const api = toNodeHandler(demoPorts)
  const app = express().disable("x-powered-by").use(api.handler)
  // Connection limits (docs/hosting.md, "Limits"): Node alone keeps a silent socket for a
  // minute, a trickling body for five, and takes connections until the process runs out of files.
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    app
  )
  server.maxConnections = 1_000
  server.maxHeadersCount = 0 // Node would drop headers past the 1,000th without a word
  server.listen(port, "127.0.0.1")
  await once(server, "listening")
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await api.dispose()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startExpressHost(Number(process.env.PORT ?? 3000))
  console.log(`Express host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
