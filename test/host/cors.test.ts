/**
 * CORS on every answer of the reference host: preflights of every path it serves (the
 * API's, `/health`, `/openapi.json`) answered 204 and never charged; the headers a page
 * needs on every other answer, the 400s for requests Node cannot read included; the
 * configured origin where one is set.
 */
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sendBytes } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

const EXPOSED =
  "Link, X-Request-Id, X-Span-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"

let host: RunningHost
let configured: RunningHost

beforeAll(async () => {
  ;[host, configured] = await Promise.all([
    startHost({ worker: Option.none() }),
    startHost({ worker: Option.none(), corsAllowOrigin: "https://console.example" })
  ])
}, 120_000)

afterAll(async () => {
  await host?.stop()
  await configured?.stop()
}, 60_000)

const preflight = (path: string, method: string, headers: Record<string, string> = {}) =>
  fetch(`${host.url}${path}`, {
    method: "OPTIONS",
    headers: { origin: "https://console.example", "access-control-request-method": method, ...headers }
  })

describe("CORS on the reference host", () => {
  it("answers preflights for the API's paths with their methods, uncharged", async () => {
    const answer = await preflight("/teams/1/backfills/5", "PATCH", {
      "access-control-request-headers": "authorization, content-type, idempotency-key"
    })
    expect(answer.status).toBe(204)
    expect(Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith("access-control-")))).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, PATCH",
      "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id",
      "access-control-max-age": "600"
    })
    expect(answer.headers.get("x-ratelimit-remaining")).toBeNull()
    expect(await answer.text()).toBe("")
    const schedule = await preflight("/teams/1/transfers/456789/backfills", "POST")
    expect(schedule.headers.get("access-control-allow-methods")).toBe("POST")
  })

  it("answers preflights for /health and /openapi.json too, uncharged", async () => {
    for (const path of ["/health", "/openapi.json"]) {
      const answer = await preflight(path, "GET")
      expect([answer.status, answer.headers.get("access-control-allow-methods")]).toEqual([204, "GET"])
      expect(answer.headers.get("x-ratelimit-remaining")).toBeNull()
    }
  })

  it("lets pages read every other answer, an OPTIONS that is no preflight and Node's own 400s included", async () => {
    const notPreflight = await fetch(`${host.url}/teams/1/backfills`, {
      method: "OPTIONS",
      headers: { authorization: "Bearer demo-admin" }
    })
    expect([notPreflight.status, notPreflight.headers.get("allow")]).toEqual([405, "GET"])
    for (const answer of [
      notPreflight,
      await fetch(`${host.url}/teams/1/backfills`, { headers: { authorization: "Bearer demo-viewer" } }),
      await fetch(`${host.url}/teams/1/backfills`),
      await fetch(`${host.url}/health`),
      await fetch(`${host.url}/openapi.json`)
    ]) {
      expect(answer.headers.get("access-control-allow-origin")).toBe("*")
      expect(answer.headers.get("access-control-expose-headers")).toBe(EXPOSED)
    }
    // Headers over 16 KiB: Node cannot read the request, the host still answers with its envelope.
    const oversized = await sendBytes(
      host.url,
      `GET /teams/1/backfills HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(20_000)}\r\n\r\n`
    )
    expect(oversized).toMatch(/^HTTP\/1\.1 400 /)
    expect(oversized.toLowerCase()).toContain("access-control-allow-origin: *")
    expect(oversized.toLowerCase()).toContain(`access-control-expose-headers: ${EXPOSED.toLowerCase()}`)
    const garbage = await sendBytes(host.url, "NOT HTTP AT ALL\r\n\r\n")
    expect(garbage.toLowerCase()).toContain("access-control-allow-origin: *")
  })

  it("names the configured origin on every answer", async () => {
    const answer = await fetch(`${configured.url}/teams/1/backfills`)
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://console.example")
    const unreadable = await sendBytes(configured.url, "NOT HTTP AT ALL\r\n\r\n")
    expect(unreadable.toLowerCase()).toContain("access-control-allow-origin: https://console.example")
  })
})
