/**
 * The backfill API on Hono with `@hono/node-server`: `node --import tsx examples/hono.ts`
 * (PORT, default 3000; Ctrl-C stops it): the library's Fetch handler behind one Hono route.
 */
import { pathToFileURL } from "node:url"
import { type HttpBindings, serve } from "@hono/node-server"
import { Hono } from "hono"
import { toWebHandler } from "transfer-backfills/handlers"
import { demoPorts } from "./demoPorts.js"

export const startHonoHost = async (port: number) => {
  const api = toWebHandler(demoPorts) // the ports are built once; `close` disposes them
  // Node's own request (`env.incoming`) goes along, so header lines are counted as sent.
  const app = new Hono<{ Bindings: HttpBindings }>().all("*", (context) => api.handler(context.req.raw, context.env))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve(
      {
        fetch: app.fetch,
        port,
        hostname: "127.0.0.1",
        // Connection limits (docs/hosting.md, "Limits"), where Node alone would wait minutes.
        serverOptions: {
          headersTimeout: 10_000,
          requestTimeout: 30_000,
          keepAliveTimeout: 5_000,
          connectionsCheckingInterval: 1_000
        }
      },
      () => resolve(listening)
    )
    listening.maxConnections = 1_000
    if ("maxHeadersCount" in listening) listening.maxHeadersCount = 0
  })
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await api.dispose()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startHonoHost(Number(process.env.PORT ?? 3000))
  console.log(`Hono host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
