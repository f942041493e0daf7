/**
 * Where the reference host's metrics and traces go, through the OpenTelemetry SDK's own
 * exporters: metrics to the Prometheus exporter behind the admin port's `/metrics`
 * always, and traces and metrics over OTLP/HTTP when an endpoint is set. Without one,
 * tracing is off: spans would go nowhere, and opening them costs a tenth of a read's CPU.
 */
import { randomUUID } from "node:crypto"
import * as Metrics from "@effect/opentelemetry/Metrics"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as Resource from "@effect/opentelemetry/Resource"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import {
  type CollectionResult,
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader
} from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Context, Duration, Effect, Layer, Option, Runtime } from "effect"
import { recordBackfillGauges } from "../metrics/record.js"
import type { BackfillStatistics } from "../ports/backfillStatistics.js"

/** Where OTLP goes: the collector's base url (`OTEL_EXPORTER_OTLP_ENDPOINT`) and how often metrics are sent. */
export interface OtlpExport {
  readonly endpoint: string
  readonly metricInterval: Duration.Duration
}

/** What the host tells collectors about itself. */
export interface TelemetryOptions {
  readonly serviceName: string
  readonly otlp: Option.Option<OtlpExport>
}

/** The Prometheus exporter the admin port's `/metrics` answers from. */
export class MetricsEndpoint extends Context.Tag("transfer-backfills/host/MetricsEndpoint")<
  MetricsEndpoint,
  PrometheusExporter
>() {}

/**
 * The `unit` tag carries an instrument's unit to the exporter (`@effect/opentelemetry`
 * reads it there); as an attribute it would only repeat the unit on every series.
 */
const withoutUnitTag = (result: CollectionResult): CollectionResult => {
  for (const scope of result.resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) for (const point of metric.dataPoints) delete point.attributes.unit
  return result
}

/** Effect's metrics for the SDK's readers, the gauges read from the store first at every collection. */
const collectingGauges = Effect.gen(function* () {
  const effectMetrics = yield* Metrics.makeProducer
  const run = Runtime.runPromise(yield* Effect.runtime<BackfillStatistics>())
  const refresh = recordBackfillGauges.pipe(
    // A defect too (a missing table before migrations, say): the gauges go stale, the rest is still exported.
    Effect.catchAllCause((cause) =>
      Effect.logWarning("The gauges keep their last values: the store did not answer", Cause.pretty(cause))
    )
  )
  const producer: MetricProducer = {
    collect: (options) => run(refresh).then(() => effectMetrics.collect(options).then(withoutUnitTag))
  }
  return producer
})

const baseUrl = (endpoint: string) => endpoint.replace(/\/+$/, "")

/** Exports metrics (Prometheus always, OTLP when set) for the life of the layer; the last OTLP export on close. */
const layerMetrics = (otlp: Option.Option<OtlpExport>) =>
  Layer.scoped(
    MetricsEndpoint,
    Effect.gen(function* () {
      const prometheus = new PrometheusExporter({ preventServerStart: true })
      const readers: [MetricReader, ...Array<MetricReader>] = [prometheus]
      for (const { endpoint, metricInterval } of Option.toArray(otlp)) {
        readers.push(
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: `${baseUrl(endpoint)}/v1/metrics` }),
            exportIntervalMillis: Duration.toMillis(metricInterval)
          })
        )
      }
      yield* Metrics.registerProducer(yield* collectingGauges, () => readers)
      return prometheus
    })
  )

/** Traces over OTLP when an endpoint is set; tracing off otherwise. */
const layerTraces = (
  resource: { readonly serviceName: string; readonly attributes: Record<string, string> },
  otlp: Option.Option<OtlpExport>
): Layer.Layer<never> =>
  Option.match(otlp, {
    onNone: () => Layer.setTracerEnabled(false),
    onSome: ({ endpoint }) =>
      Layer.discard(
        NodeSdk.layer(() => ({
          resource,
          spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: `${baseUrl(endpoint)}/v1/traces` }))
        }))
      )
  })

/**
 * The host's telemetry: `MetricsEndpoint` for `/metrics`, and the tracer every request's
 * span goes to. Closing the layer sends what is left.
 */
export const layerTelemetry = (options: TelemetryOptions): Layer.Layer<MetricsEndpoint, never, BackfillStatistics> => {
  // Without an instance id, the series of two hosts sending to one collector would be one.
  const resource = { serviceName: options.serviceName, attributes: { "service.instance.id": randomUUID() } }
  return Layer.merge(
    layerMetrics(options.otlp).pipe(Layer.provide(Resource.layer(resource))),
    layerTraces(resource, options.otlp)
  )
}
