/**
 * The reference host's server: Node's, each request answered by one fiber forked from the
 * host's runtime (built once, with every port in it), its answer written in one
 * `writeHead` + `end`. A client that goes away before its answer interrupts its fiber.
 * Closing the layer's scope stops taking connections and waits for the requests in
 * flight.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Data, type Duration, Effect, Exit, Fiber, Layer, Runtime, Stream } from "effect"
import { incomingFromNode } from "../handlers/node.js"
import type { IncomingApiRequest } from "../http/dispatch.js"
import type { HttpResponse } from "../http/response.js"

/**
 * A request as the host's front door reads it: the library's view of it, and the address
 * it came from (for the rate limits of callers without a valid token).
 */
export interface HostIncoming extends IncomingApiRequest {
  readonly remoteAddress: string | undefined
  /**
   * Hands the server what to give back once this request's answer is written, or its
   * stream has ended (a stream's slot, say), whatever becomes of the answer: called once.
   */
  readonly holding: (giveBack: () => void) => void
}

/**
 * A response of the host: the library's, or a stream (Server-Sent Events) whose chunks are
 * written as they come after the head, until it ends or the client leaves.
 */
export interface HostAnswer extends HttpResponse {
  readonly stream?: Stream.Stream<string, unknown>
  /** The stream's longest life, its writing included: a client that stops reading is cut off then. */
  readonly streamLife?: Duration.Duration
}

/** The running server: where it listens. */
export class HostServer extends Context.Tag("transfer-backfills/host/HostServer")<
  HostServer,
  { readonly url: string }
>() {}

/**
 * Writes one chunk of a stream; when the socket's buffer is full, waits for it to drain,
 * so a client that reads slowly slows its stream down instead of filling the host's memory.
 */
const writeChunk = (outgoing: ServerResponse, chunk: string) =>
  Effect.async<void>((resume) => {
    if (outgoing.write(chunk)) return resume(Effect.void)
    const drained = () => resume(Effect.void)
    outgoing.once("drain", drained)
    return Effect.sync(() => outgoing.off("drain", drained))
  })

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
  answer: (request: HostIncoming) => Effect.Effect<HostAnswer, never, R>
): Layer.Layer<HostServer, ListenRefused, R> =>
  Layer.scoped(
    HostServer,
    Effect.gen(function* () {
      const run = Runtime.runFork(yield* Effect.runtime<R>())
      const server = makeServer()
      const streaming = new Set<Fiber.RuntimeFiber<void>>()
      let closing = false
      /** Writes a stream's head, then each chunk as it comes; ends when it does, or when the client leaves. */
      const writeStream = (
        outgoing: ServerResponse,
        response: HostAnswer,
        stream: Stream.Stream<string, unknown>,
        ended: () => void
      ) => {
        if (outgoing.headersSent || outgoing.destroyed) return ended()
        // Once the host is closing, a stream answered late ends at once rather than hold the close up.
        if (closing) {
          outgoing.writeHead(503, { "retry-after": "1" }).end()
          return ended()
        }
        try {
          outgoing.writeHead(response.status, response.headers)
          outgoing.flushHeaders()
        } catch (error) {
          outgoing.destroy()
          ended()
          return void run(Effect.logError("An event stream's head could not be written", error))
        }
        const writing = Stream.runForEach(stream, (chunk) => writeChunk(outgoing, chunk))
        // A client that stopped reading cannot take an orderly end behind what it left unread: it is cut off.
        const finish = Effect.sync(() => (outgoing.writableNeedDrain ? outgoing.destroy() : outgoing.end()))
        const fiber = run(
          (response.streamLife === undefined ? writing : Effect.timeoutOption(writing, response.streamLife)).pipe(
            Effect.catchAllCause((cause) => Effect.logWarning("An event stream ended early", cause)),
            Effect.ensuring(finish),
            Effect.ensuring(Effect.sync(ended))
          )
        )
        streaming.add(fiber)
        const gone = () => fiber.unsafeInterruptAsFork(fiber.id())
        outgoing.once("close", gone)
        fiber.addObserver(() => {
          streaming.delete(fiber)
          outgoing.off("close", gone)
        })
      }
      server.on("request", (incoming: IncomingMessage, outgoing: ServerResponse) => {
        let held: Array<() => void> | undefined
        const holding = (giveBack: () => void) => {
          held ??= []
          held.push(giveBack)
        }
        const giveBack = () => {
          for (const given of held ?? []) given()
          held = undefined
        }
        const fiber = run(
          answer({ ...incomingFromNode(incoming), remoteAddress: incoming.socket.remoteAddress, holding })
        )
        const gone = () => {
          if (!outgoing.writableFinished) fiber.unsafeInterruptAsFork(fiber.id())
        }
        outgoing.once("close", gone)
        fiber.addObserver((exit) => {
          outgoing.off("close", gone)
          if (!Exit.isSuccess(exit)) return giveBack()
          if (exit.value.stream === undefined) {
            write(outgoing, exit.value)
            return giveBack()
          }
          writeStream(outgoing, exit.value, exit.value.stream, giveBack)
        })
      })
      const url = yield* listen(server, port)
      // Open streams would hold the close up for as long as they last: they end first.
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          closing = true
          return Effect.zipRight(Fiber.interruptAll([...streaming]), close(server))
        })
      )
      return { url }
    })
  )
