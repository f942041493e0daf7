/**
 * The reference host's operability settings: its admin port, how stale a worker may be
 * and still be ready, and where telemetry goes (the OpenTelemetry SDK's own variable names).
 */
import { Config, Duration, Option } from "effect"
import { atLeast, millis } from "./configValues.js"
import type { OtlpExport } from "./telemetry.js"

/** Where the admin port listens, when the host counts as ready, and where telemetry goes. */
export interface OperabilityConfig {
  /** The admin port on 127.0.0.1 (`ADMIN_PORT`, default 9464; 0 picks a free one). */
  readonly adminPort: number
  /** Not ready once the worker's last successful step is older (`READY_WORKER_MAX_AGE_MS`, default 60 s). */
  readonly readyWorkerMaxAge: Duration.Duration
  /** `OTEL_SERVICE_NAME`, default `transfer-backfills`. */
  readonly serviceName: string
  /** OTLP/HTTP export of traces and metrics, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
  readonly otlp: Option.Option<OtlpExport>
}

/** The admin port Prometheus' exporters conventionally take. */
export const DEFAULT_ADMIN_PORT = 9464

/** Also what the SDK itself defaults to. */
const DEFAULT_METRIC_EXPORT_INTERVAL = Duration.seconds(60)

const DEFAULT_READY_WORKER_MAX_AGE = Duration.seconds(60)

/** The settings as the environment gives them. */
export const operabilityFromEnv: Config.Config<OperabilityConfig> = Config.all({
  adminPort: atLeast("ADMIN_PORT", 0, DEFAULT_ADMIN_PORT).pipe(
    Config.validate({ message: "must be a port number, at most 65535", validation: (port) => port <= 65_535 })
  ),
  readyWorkerMaxAge: millis("READY_WORKER_MAX_AGE_MS", DEFAULT_READY_WORKER_MAX_AGE),
  serviceName: Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault("transfer-backfills")),
  otlp: Config.all({
    endpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT")),
    metricInterval: millis("OTEL_METRIC_EXPORT_INTERVAL", DEFAULT_METRIC_EXPORT_INTERVAL)
  }).pipe(
    Config.map(({ endpoint, metricInterval }) => Option.map(endpoint, (url) => ({ endpoint: url, metricInterval })))
  )
})

/** The defaults: the admin port on 9464, a worker ready for 60 s after its last success, no OTLP. */
export const DEFAULT_OPERABILITY: OperabilityConfig = {
  adminPort: DEFAULT_ADMIN_PORT,
  readyWorkerMaxAge: DEFAULT_READY_WORKER_MAX_AGE,
  serviceName: "transfer-backfills",
  otlp: Option.none()
}
