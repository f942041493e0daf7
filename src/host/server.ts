/**
 * The reference host's server: Node's, each request answered by one fiber forked from the
 * host's runtime (built once, with every port in it), its answer written in one
 * `writeHead` + `end`. A client that goes away before its answer interrupts its fiber.
 * Closing the layer's scope stops taking connections and waits for the requests in
 * flight.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Data, Effect, Exit, Layer, Runtime } from "effect"
import { incomingFromNode } from "../handlers/node.js"
import type { IncomingApiRequest } from "../http/dispatch.js"
import type { HttpResponse } from "../http/response.js"

/**
 * A request as the host's front door reads it: the library's view of it, and the address
 * it came from (for the rate limits of callers without a valid token).
 */
export interface HostIncoming extends IncomingApiRequest {
  readonly remoteAddress: string | undefined
}

/** The running server: where it listens. */
export class HostServer extends Context.Tag("transfer-backfills/host/HostServer")<
  HostServer,
  { readonly url: string }
>() {}

/** Writes `response` in one `writeHead` + `end`, unless the client is gone or an answer was already written. */
export const write = (outgoing: ServerResponse, response: HttpResponse) => {
  if (outgoing.headersSent || outgoing.destroyed) return
  outgoing.writeHead(response.status, { ...response.headers, "content-length": Buffer.byteLength(response.body) })
  outgoing.end(response.body)
}

/** A port the host cannot listen on (taken, say): the host does not start. */
export class ListenRefused extends Data.TaggedError("ListenRefused")<{ readonly message: string }> {}

/** Listens on `port` of 127.0.0.1 (0: any free port); the url it listens on, or why it cannot. */
export const listen = (server: Server, port: number) =>
  Effect.async<string, ListenRefused>((resume) => {
    const refused = (error: Error) =>
      resume(Effect.fail(new ListenRefused({ message: `Cannot listen on 127.0.0.1:${port}: ${error.message}` })))
    server.once("error", refused)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", refused)
      const { port: chosen } = server.address() as AddressInfo
      resume(Effect.succeed(`http://127.0.0.1:${chosen}`))
    })
  })

/** Stops taking connections and waits for the requests in flight; idle keep-alive connections are closed at once. */
export const close = (server: Server) =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeIdleConnections()
  })

/**
 * The server `makeServer` builds, on `port` of 127.0.0.1, answering every request with
 * `answer`, which never fails: every failure is an answer.
 */
export const layerHostServer = <R>(
  makeServer: () => Server,
  port: number,
  answer: (request: HostIncoming) => Effect.Effect<HttpResponse, never, R>
): Layer.Layer<HostServer, ListenRefused, R> =>
  Layer.scoped(
    HostServer,
    Effect.gen(function* () {
      const run = Runtime.runFork(yield* Effect.runtime<R>())
      const server = makeServer()
      server.on("request", (incoming: IncomingMessage, outgoing: ServerResponse) => {
        const fiber = run(answer({ ...incomingFromNode(incoming), remoteAddress: incoming.socket.remoteAddress }))
        const gone = () => {
          if (!outgoing.writableFinished) fiber.unsafeInterruptAsFork(fiber.id())
        }
        outgoing.once("close", gone)
        fiber.addObserver((exit) => {
          outgoing.off("close", gone)
          if (Exit.isSuccess(exit)) write(outgoing, exit.value)
        })
      })
      const url = yield* listen(server, port)
      yield* Effect.addFinalizer(() => close(server))
      return { url }
    })
  )
