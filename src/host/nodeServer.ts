/**
 * The reference host's Node HTTP server: the connection limits of its configuration, and
 * SPEC §5's envelope for what it cannot read as HTTP. Node's own defaults would keep a
 * silent socket for a minute and a trickling body for five, take connections until the
 * process runs out of files, and drop headers past the thousandth without a word.
 */
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { Socket } from "node:net"
import { Duration, Effect, Option } from "effect"
import { BadRequest } from "../domain/errors.js"
import { generateRequestId } from "../domain/requestId.js"
import { errorResponse } from "../http/response.js"
import type { ConnectionLimits } from "./config.js"

/**
 * How often the server looks for connections past their headers or request deadline:
 * a deadline is enforced this much late at most.
 */
const DEADLINE_CHECK_INTERVAL_MILLIS = 1000

/** Files the process keeps beside its HTTP connections: its database pool, Redis, its own modules and logs. */
const FILES_BESIDE_CONNECTIONS = 64

/** What a request Node could not read gets told, by Node's error code. */
const unreadable = (code: string | undefined): string => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return "The request headers are too large."
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "The request did not arrive in time."
    default:
      return "The request could not be read as HTTP/1.1."
  }
}

/** This process's limit on open files, where the system tells it (Linux's `/proc`). */
export const openFileLimit = (): Option.Option<number> => {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("Max open files"))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isSafeInteger(soft) ? Option.some(soft) : Option.none()
  } catch {
    return Option.none()
  }
}

/**
 * The connection cap the server can keep: `requested`, or less when the process may not
 * open that many files beside the `reserved` ones it needs for itself (then said once).
 */
export const connectionCap = (requested: number, reserved: number, fileLimit: Option.Option<number>) =>
  Option.match(
    Option.filter(fileLimit, (limit) => requested + reserved + FILES_BESIDE_CONNECTIONS > limit),
    {
      onNone: () => Effect.succeed(requested),
      onSome: (limit) => {
        const cap = Math.max(1, limit - reserved - FILES_BESIDE_CONNECTIONS)
        return Effect.as(
          Effect.logWarning(
            `MAX_CONNECTIONS ${requested} lowered to ${cap}: this process may open ${limit} files, and needs some for itself`
          ),
          cap
        )
      }
    }
  )

/**
 * A Node server with `limits`, whose answer to a request it cannot read as HTTP (headers
 * too large, a request past its deadline, bytes that are not HTTP) is the SPEC §5 envelope
 * with a request id and the host's CORS headers, like every other answer of the host,
 * where Node would send a bare 400 or 408. As Node does, it answers only when nothing was
 * sent on the connection yet, then closes it. Headers are never dropped (`maxHeadersCount`
 * is lifted, the header bytes stay bounded by Node's 16 KiB): the front door refuses a
 * request over `limits.maxRequestHeaders` instead.
 */
export const createLimitedServer = (
  limits: Omit<ConnectionLimits, "maxRequestHeaders">,
  corsHeaders: Readonly<Record<string, string>>
): Server => {
  const server = createServer({
    headersTimeout: Duration.toMillis(limits.headersTimeout),
    requestTimeout: Duration.toMillis(limits.requestTimeout),
    keepAliveTimeout: Duration.toMillis(limits.keepAliveTimeout),
    connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MILLIS
  })
  server.maxHeadersCount = 0
  server.maxConnections = limits.maxConnections
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && socket.bytesWritten === 0 && error.code !== "ECONNRESET") {
      const answer = errorResponse(
        Effect.runSync(generateRequestId),
        new BadRequest({ description: unreadable(error.code) })
      )
      const head = Object.entries({
        ...answer.headers,
        ...corsHeaders,
        connection: "close",
        "content-length": Buffer.byteLength(answer.body)
      })
        .map(([name, value]) => `${name}: ${value}`)
        .join("\r\n")
      socket.write(`HTTP/1.1 ${answer.status} Bad Request\r\n${head}\r\n\r\n${answer.body}`)
    }
    socket.destroy()
  })
  return server
}
