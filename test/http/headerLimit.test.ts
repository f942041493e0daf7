/**
 * The header limit for hosts that route requests themselves: Node's server with its own
 * limit lifted, `exceedsHeaderLimit` on the raw header list, and the 400 envelope from
 * `tooManyHeadersResponse` (Effect) or `tooManyHeadersAnswer` (Promise), as
 * docs/hosting.md tells such hosts to do.
 */
import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { exceedsHeaderLimit, MAX_REQUEST_HEADERS, tooManyHeadersAnswer } from "transfer-backfills/promise"
import { describe, expect, it } from "vitest"
import { tooManyHeadersResponse } from "../../src/http/headerLimit.js"

const envelope = (body: string) => JSON.parse(body) as { meta: { request_id: string }; error: unknown }

/** Sends a request with `count` headers (`host` and Node's own `connection` included) and reads the answer. */
const sendWithHeaders = (port: number, count: number) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers: Array<string> = ["host", `127.0.0.1:${port}`]
    // One short name again and again: 2,500 of them stay within Node's 16 KiB of header bytes.
    while (headers.length / 2 < count - 1) headers.push("x", "1")
    const sent = httpRequest({ port, path: "/teams/1/backfills", headers }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        body += chunk
      })
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
    })
    sent.on("error", reject)
    sent.end()
  })

describe("the header limit for hosts that route themselves", () => {
  it("counts headers from the raw list of names and values, and refuses one past the limit", () => {
    expect(MAX_REQUEST_HEADERS).toBe(100)
    expect([exceedsHeaderLimit(200), exceedsHeaderLimit(202)]).toEqual([false, true])
    expect([exceedsHeaderLimit(6, 3), exceedsHeaderLimit(8, 3)]).toEqual([false, true])
  })

  it("answers SPEC's 400 envelope under the host's request id, the same from Effect and from a Promise", () => {
    const answered = Effect.runSync(tooManyHeadersResponse("host-request-0001", 3))
    expect([answered.status, answered.headers["x-request-id"], envelope(answered.body)]).toEqual([
      400,
      "host-request-0001",
      {
        meta: { request_id: "host-request-0001" },
        error: {
          code: "BAD_REQUEST",
          message: "The request was invalid.",
          description: "The request must not carry more than 3 headers."
        }
      }
    ])
    expect(tooManyHeadersAnswer("host-request-0001", 3)).toEqual(answered)
    expect(envelope(tooManyHeadersAnswer().body).error).toMatchObject({
      description: "The request must not carry more than 100 headers."
    })
  })

  it("keeps a Node server with its own limit lifted to the library's: the 101st header is refused, the 100th is not", async () => {
    const seen: Array<number> = []
    const server = createServer((request, response) => {
      seen.push(request.rawHeaders.length / 2)
      if (exceedsHeaderLimit(request.rawHeaders.length)) {
        const answer = tooManyHeadersAnswer()
        response.writeHead(answer.status, answer.headers).end(answer.body)
        return
      }
      response.writeHead(204).end()
    })
    server.maxHeadersCount = 0
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const { port } = server.address() as AddressInfo
      const [atLimit, overLimit, farOver] = [
        await sendWithHeaders(port, MAX_REQUEST_HEADERS),
        await sendWithHeaders(port, MAX_REQUEST_HEADERS + 1),
        // Past Node's default of 2,000, which it would drop without a word.
        await sendWithHeaders(port, 2_500)
      ]
      expect(seen).toEqual([MAX_REQUEST_HEADERS, MAX_REQUEST_HEADERS + 1, 2_500])
      expect(atLimit.status).toBe(204)
      for (const refused of [overLimit, farOver]) {
        expect([refused.status, envelope(refused.body).error]).toEqual([
          400,
          {
            code: "BAD_REQUEST",
            message: "The request was invalid.",
            description: "The request must not carry more than 100 headers."
          }
        ])
      }
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
