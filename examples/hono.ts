/**
 * The backfill API on Hono with `@hono/node-server`: `node --import tsx examples/hono.ts`
 * (PORT, default 3000; Ctrl-C stops it). One runtime holds the ports for the server's
 * life and is disposed when it closes. The body is read as raw bytes and handed to the
 * library, which checks the token before the body, in SPEC's order.
 */
import { pathToFileURL } from "node:url"
import { serve } from "@hono/node-server"
import { ManagedRuntime } from "effect"
import { Hono } from "hono"
import { API_ROUTES } from "transfer-backfills"
import { demoPorts } from "./demoPorts.js"

export const startHonoHost = async (port: number) => {
  const runtime = ManagedRuntime.make(demoPorts)
  const app = new Hono()
  for (const route of API_ROUTES) {
    app.on(route.method, route.path, async (context) => {
      const body = new Uint8Array(await context.req.arrayBuffer())
      const answer = await runtime.runPromise(
        route.handle({
          authorization: context.req.header("authorization"),
          path: context.req.param(),
          query: context.req.queries(),
          body: body.byteLength > 0 ? body : undefined,
          requestId: context.req.header("x-request-id")
        })
      )
      return context.body(answer.body, answer.status as 200, answer.headers)
    })
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(listening))
  })
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await runtime.dispose()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startHonoHost(Number(process.env.PORT ?? 3000))
  console.log(`Hono host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
