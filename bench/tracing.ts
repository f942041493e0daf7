/**
 * Benchmark 1b: what the operations' spans cost. The schedule of benchmark 1 on the
 * in-memory ports, once with a tracer installed that keeps nothing (so every operation and
 * port call opens its span, and the cost measured is the spans' own), once with none
 * (Effect's default, where the operations open no span), side by side.
 */
import { Effect, Layer, ManagedRuntime, type Option, Tracer } from "effect"
import { scheduleBackfillRequest } from "../src/http/endpoints.js"
import { format, libraryPorts, request, succeeded } from "./domain.js"
import { type Result, sideBySide } from "./measure.js"

/**
 * A span that records nothing, its methods on the prototype as a no-op tracer's spans are
 * (OpenTelemetry's `NonRecordingSpan`), so the cost measured is the operations' spans and
 * not the making of four closures per span.
 */
class NoopSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = "0000000000000001"
  readonly traceId = "00000000000000000000000000000001"
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  readonly status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Parameters<Tracer.Tracer["span"]>[2],
    readonly links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.status = { _tag: "Started", startTime }
  }
  end() {}
  attribute() {}
  event() {}
  addLinks() {}
}
const noopSpan = (...args: ConstructorParameters<typeof NoopSpan>) => new NoopSpan(...args)
const noopTracer = Tracer.make({ span: noopSpan, context: (execution) => execution() })

export const tracingCost = async (log: (line: string) => void): Promise<Result> => {
  const TRANSFERS = 2000
  const plain = ManagedRuntime.make(libraryPorts(TRANSFERS))
  const traced = ManagedRuntime.make(Layer.merge(libraryPorts(TRANSFERS), Layer.setTracer(noopTracer)))
  let spans = 0
  const counted = Tracer.make({
    span: (...args) => {
      spans += 1
      return noopSpan(args[0], args[1], args[2], args[3], args[4], args[5])
    },
    context: (execution) => execution()
  })
  await Effect.runPromise(
    Effect.provide(
      Effect.either(scheduleBackfillRequest(request(0, TRANSFERS, 90_000))),
      Layer.merge(libraryPorts(TRANSFERS), Layer.setTracer(counted))
    )
  )
  const [withSpans, without] = await sideBySide(
    10,
    2000,
    async (index) => succeeded(await traced.runPromise(Effect.either(scheduleBackfillRequest(request(index))))),
    async (index) => succeeded(await plain.runPromise(Effect.either(scheduleBackfillRequest(request(index)))))
  )
  await traced.dispose()
  await plain.dispose()
  log(`  spans per schedule: ${spans}`)
  log(`  no-op tracer  ${format(withSpans)}`)
  log(`  no tracer     ${format(without)}`)
  const ratio = withSpans.meanMicros / without.meanMicros
  return {
    name: "1b. tracing cost: schedule with a no-op tracer installed vs none (mean time per schedule)",
    value: Math.round(withSpans.meanMicros * 100) / 100,
    unit: "µs",
    baseline: Math.round(without.meanMicros * 100) / 100,
    ratio: Math.round(ratio * 100) / 100,
    goal: "ratio ≤ 1.1",
    met: ratio <= 1.1
  }
}
