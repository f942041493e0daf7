/**
 * The standard handlers on their own: a Fetch `Request` straight in (no Node beneath),
 * bodies streamed past the limit, a client that goes away mid-body, ports that fail to
 * build, and the token verifier made from a plain function.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { connect } from "node:net"
import { Effect, Layer } from "effect"
import {
  GRANTS,
  layerPageCursors,
  layerTokenVerifier,
  type Principal,
  TeamId,
  TransferId,
  UserId,
  UTC
} from "transfer-backfills"
import { toNodeHandler, toWebHandler } from "transfer-backfills/handlers"
import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"
import { describe, expect, it } from "vitest"

const ME: Principal = { userId: UserId.make(7n), teamIds: [TeamId.make(1n)], ...GRANTS.write }

const portsWith = (verify: Parameters<typeof layerTokenVerifier>[0]) =>
  Layer.mergeAll(
    layerTokenVerifier(verify),
    layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
    layerMemoryBackfillRepository(),
    layerPageCursors("a test secret of at least thirty-two bytes")
  )

const CREATE = "http://api.test/teams/1/transfers/456789/backfills"
const JANUARY = '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
const bearer = { authorization: "Bearer good" }

const envelope = async (response: Response) => ({
  status: response.status,
  // biome-ignore lint/suspicious/noExplicitAny: read field by field below
  json: (await response.json()) as Record<string, any>
})

describe("toWebHandler", () => {
  it("answers a Fetch request with no Node beneath it, in SPEC's order, until disposed", async () => {
    const api = toWebHandler(portsWith((token) => (token === "good" ? ME : undefined)))
    try {
      const refused = await envelope(await api.handler(new Request(CREATE, { method: "POST", body: "{not json" })))
      expect([refused.status, refused.json.error.code]).toEqual([401, "UNAUTHORIZED"])
      const created = await envelope(
        await api.handler(
          new Request(CREATE, { method: "POST", headers: { ...bearer, "x-request-id": "web-0001" }, body: JANUARY })
        )
      )
      expect([created.status, created.json.meta.request_id, created.json.data.transfer_runs_total]).toEqual([
        200,
        "web-0001",
        31
      ])
      const read = await api.handler(new Request("http://api.test/teams/1/backfills/1", { headers: bearer }))
      expect([read.status, read.headers.get("content-type")]).toEqual([200, "application/json"])
      const escaped = await envelope(
        await api.handler(new Request("http://api.test/teams/1/backfills/%31", { headers: bearer }))
      )
      expect([escaped.status, escaped.json.error.code]).toEqual([400, "BAD_REQUEST"])
      const wrong = await api.handler(new Request("http://api.test/teams/1/backfills/1", { method: "PUT" }))
      expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "GET, PATCH"])
    } finally {
      await api.dispose()
    }
  })

  it("refuses a body streamed past 16 KiB, and more distinct headers than allowed", async () => {
    const api = toWebHandler(
      portsWith(() => ME),
      { maxRequestHeaders: 20 }
    )
    try {
      const chunk = new TextEncoder().encode("x".repeat(4096))
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < 5; sent++) controller.enqueue(chunk)
          controller.close()
        }
      })
      const large = await envelope(
        await api.handler(
          new Request(CREATE, { method: "POST", headers: bearer, body: stream, duplex: "half" } as RequestInit)
        )
      )
      expect([large.status, large.json.error.description]).toEqual([
        400,
        "The request body must not exceed 16384 bytes."
      ])
      const headers = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`x-pad-${index}`, "1"]))
      const crowded = await envelope(await api.handler(new Request(CREATE, { headers })))
      expect([crowded.status, crowded.json.error.description]).toEqual([
        400,
        "The request must not carry more than 20 headers."
      ])
      const fine = await api.handler(new Request(CREATE, { method: "POST", headers: bearer, body: JANUARY }))
      expect(fine.status).toBe(200)
    } finally {
      await api.dispose()
    }
  })

  it("answers 503 while the ports cannot be built, without their secrets, and builds them again for the next request", async () => {
    let builds = 0
    const flaky = Layer.mergeAll(
      portsWith(() => ME),
      Layer.effectDiscard(
        Effect.suspend(() => {
          builds += 1
          return builds === 1 ? Effect.dieMessage("the pool could not connect: password=hunter2") : Effect.void
        })
      )
    )
    const api = toWebHandler(flaky)
    try {
      const first = await envelope(await api.handler(new Request("http://api.test/teams/1/backfills")))
      expect([first.status, first.json.error.code]).toEqual([503, "SERVICE_UNAVAILABLE"])
      expect(JSON.stringify(first.json)).not.toContain("hunter2")
      const second = await api.handler(new Request("http://api.test/teams/1/backfills", { headers: bearer }))
      expect([second.status, builds]).toEqual([200, 2])
    } finally {
      await api.dispose()
    }
  })
})

describe("layerTokenVerifier", () => {
  it("refuses a token the function does not know (401) and says 503 when the function cannot answer", async () => {
    const api = toWebHandler(
      portsWith(async (token) => {
        if (token === "down") throw new Error("identity provider unreachable")
        return token === "good" ? ME : null
      })
    )
    try {
      const ask = (token: string) =>
        api.handler(new Request("http://api.test/teams/1/backfills", { headers: { authorization: `Bearer ${token}` } }))
      expect((await ask("good")).status).toBe(200)
      expect((await ask("unknown")).status).toBe(401)
      const down = await envelope(await ask("down"))
      expect([down.status, down.json.error.code]).toEqual([503, "SERVICE_UNAVAILABLE"])
    } finally {
      await api.dispose()
    }
  })
})

describe("toNodeHandler", () => {
  it("keeps serving after a client goes away in the middle of a body", async () => {
    const api = toNodeHandler(portsWith(() => ME))
    const server = createServer(api.handler)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port }, () => {
          socket.write(
            `POST /teams/1/transfers/456789/backfills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 500\r\n\r\n{"range_start":`
          )
          setTimeout(() => {
            socket.destroy()
            resolve()
          }, 200)
        })
        socket.on("error", reject)
      })
      const after = await fetch(`http://127.0.0.1:${port}/teams/1/transfers/456789/backfills`, {
        method: "POST",
        headers: bearer,
        body: JANUARY
      })
      const created = (await after.json()) as { data: { transfer_backfill_id: number } }
      expect([after.status, after.headers.get("content-length") !== null, created.data.transfer_backfill_id]).toEqual([
        200,
        true,
        1
      ])
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await api.dispose()
    }
  })
})
