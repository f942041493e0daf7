/**
 * The backfill API on Fastify 5: `node --import tsx examples/fastify.ts` (PORT, default
 * 3000; Ctrl-C stops it): the library's Node handler behind one Fastify route.
 */
import { pathToFileURL } from "node:url"
import Fastify from "fastify"
import { toNodeHandler } from "transfer-backfills/handlers"
import { demoPorts } from "./demoPorts.js"

export const startFastifyHost = async (port: number) => {
  const api = toNodeHandler(demoPorts) // the ports are built once and disposed when Fastify closes
  // Connection limits (docs/hosting.md, "Limits"), where Node alone would wait minutes.
  const app = Fastify({
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000
  })
  app.server.maxConnections = 1_000
  app.server.maxHeadersCount = 0 // every header reaches the library, which refuses too many
  app.addHook("onClose", () => api.dispose())
  // Bodies stay unread for the library, which reads them after the token, in SPEC's order.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser("*", (_request, _body, done) => done(null))
  app.all("*", (request, reply) => {
    reply.hijack()
    api.handler(request.raw, reply.raw)
  })
  const url = await app.listen({ port, host: "127.0.0.1" })
  return { url, close: () => app.close() }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = await startFastifyHost(Number(process.env.PORT ?? 3000))
  console.log(`Fastify host listening on ${host.url}`)
  process.once("SIGINT", () => void host.close())
}
