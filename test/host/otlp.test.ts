/**
 * With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the reference host sends its traces and metrics
 * over OTLP/HTTP (the OpenTelemetry SDK's exporters, JSON), here to a collector of the
 * test's own that keeps what it receives: each request one trace continuing its
 * `traceparent`, the operation, the repository call and its SQL nested in it, and the
 * library's metrics under the host's service name.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Duration, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { DEFAULT_OPERABILITY } from "../../src/host/operabilityConfig.js"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
}

interface Received {
  readonly path: string
  readonly body: {
    readonly resourceSpans?: ReadonlyArray<{ scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<OtlpSpan> }> }>
    readonly resourceMetrics?: ReadonlyArray<{
      resource: { attributes: ReadonlyArray<{ key: string; value: { stringValue?: string } }> }
      scopeMetrics: ReadonlyArray<{ metrics: ReadonlyArray<{ name: string }> }>
    }>
  }
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"

const received: Array<Received> = []
let collector: Server
let host: RunningHost

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      received.push({ path: request.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) })
      response.writeHead(200, { "content-type": "application/json" })
      response.end("{}")
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve))
  const { port } = collector.address() as AddressInfo
  host = await startHost({
    worker: Option.none(),
    events: DEFAULT_EVENTS,
    operability: {
      ...DEFAULT_OPERABILITY,
      adminPort: 0,
      serviceName: "backfills-under-test",
      otlp: Option.some({ endpoint: `http://127.0.0.1:${port}/`, metricInterval: Duration.seconds(1) })
    }
  })
}, 120_000)

afterAll(async () => {
  await new Promise((resolve) => collector?.close(resolve))
}, 60_000)

describe("OTLP export", () => {
  it("sends each request's trace, nested, and the library's metrics; what is left goes out on shutdown", async () => {
    const created = await send(host.url, {
      method: "POST",
      path: "/teams/1/transfers/456789/backfills",
      token: "demo-admin",
      body: '{"range_start":"2024-01-01","range_end":"2024-01-02"}'
    })
    expect(created.status, created.text).toBe(200)
    const id = (JSON.parse(created.text) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
    const read = await send(host.url, {
      path: `/teams/1/backfills/${id}`,
      token: "demo-admin",
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }
    })
    expect(read.status).toBe(200)
    await host.stop()

    const spans = received
      .filter(({ path }) => path === "/v1/traces")
      .flatMap(({ body }) => body.resourceSpans ?? [])
      .flatMap(({ scopeSpans }) => scopeSpans.flatMap(({ spans }) => spans))
    const inTrace = spans.filter((span) => span.traceId === TRACE_ID)
    const named = (name: string) => inTrace.find((span) => span.name === name)
    const server = named("GET /teams/:team_id/backfills/:backfill_id")
    expect(server?.parentSpanId).toBe(CALLER_SPAN)
    expect(server?.spanId).toBe(read.headers["x-span-id"])
    const operation = named("getBackfill")
    expect(operation?.parentSpanId).toBe(server?.spanId)
    const repository = named("BackfillRepository.findForTeam")
    expect(repository?.parentSpanId).toBe(operation?.spanId)
    expect(inTrace.some((span) => span.parentSpanId === repository?.spanId)).toBe(true)
    const createTrace = spans.find((span) => span.name === "POST /teams/:team_id/transfers/:transfer_id/backfills")
    expect(createTrace?.traceId).not.toBe(TRACE_ID)

    const exports = received
      .filter(({ path }) => path === "/v1/metrics")
      .flatMap(({ body }) => body.resourceMetrics ?? [])
    const names = new Set(
      exports.flatMap(({ scopeMetrics }) => scopeMetrics.flatMap(({ metrics }) => metrics.map(({ name }) => name)))
    )
    for (const name of ["backfill.scheduled", "http.server.request.duration", "backfill.count", "backfill.day.pending"])
      expect(names.has(name), name).toBe(true)
    const services = exports.flatMap(({ resource }) =>
      resource.attributes.filter(({ key }) => key === "service.name").map(({ value }) => value.stringValue)
    )
    expect(new Set(services)).toEqual(new Set(["backfills-under-test"]))
    const instances = exports.flatMap(({ resource }) =>
      resource.attributes.filter(({ key }) => key === "service.instance.id").map(({ value }) => value.stringValue)
    )
    expect(new Set(instances).size).toBe(1)
    expect(instances[0]).toMatch(/^[0-9a-f-]{36}$/)
  }, 120_000)
})
