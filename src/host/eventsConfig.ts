/**
 * The reference host's event settings: how its Server-Sent Events streams poll and how
 * long they last, and where its relay delivers (per-team webhooks, NATS JetStream).
 */
import { Config, Duration, Option, Schema } from "effect"
import type { WebhookEndpoint } from "../adapters/webhooks/sink.js"
import { atLeast, millis } from "./configValues.js"

/** How the host streams events and where it relays them. */
export interface EventsConfig {
  /** How often an open stream looks for new events (`EVENTS_POLL_MS`, default 500 ms). */
  readonly pollInterval: Duration.Duration
  /** A comment line that keeps idle streams open through proxies (`EVENTS_HEARTBEAT_MS`, default 15 s). */
  readonly heartbeat: Duration.Duration
  /** A stream ends after this long; the client reconnects with `Last-Event-ID` (`EVENTS_STREAM_MAX_MS`, default 1 h). */
  readonly maxStream: Duration.Duration
  /** Streams the host serves at once; one more is answered 503 (`EVENTS_MAX_STREAMS`, default 1,000). */
  readonly maxStreams: number
  /** Streams one team may hold open at once; one more is answered 429 (`EVENTS_MAX_STREAMS_PER_TEAM`, default 100). */
  readonly maxStreamsPerTeam: number
  /** Each team's webhook (`WEBHOOK_ENDPOINTS`: JSON, `{"<team_id>": {"url": …, "secret": …}}`). */
  readonly webhooks: ReadonlyMap<string, WebhookEndpoint>
  /** Publish events to NATS JetStream at this server (`EVENTS_NATS_URL`). */
  readonly natsUrl: Option.Option<string>
}

const DEFAULT_POLL = Duration.millis(500)
const DEFAULT_HEARTBEAT = Duration.seconds(15)
const DEFAULT_MAX_STREAM = Duration.hours(1)
const DEFAULT_MAX_STREAMS = 1000
const DEFAULT_MAX_STREAMS_PER_TEAM = 100

const Endpoints = Schema.parseJson(
  Schema.Record({
    key: Schema.String.pipe(Schema.pattern(/^[1-9][0-9]{0,18}$/)),
    value: Schema.Struct({ url: Schema.String.pipe(Schema.pattern(/^https?:\/\//)), secret: Schema.NonEmptyString })
  })
)

/** The settings as the environment gives them. */
export const eventsFromEnv: Config.Config<EventsConfig> = Config.all({
  pollInterval: millis("EVENTS_POLL_MS", DEFAULT_POLL),
  heartbeat: millis("EVENTS_HEARTBEAT_MS", DEFAULT_HEARTBEAT),
  maxStream: millis("EVENTS_STREAM_MAX_MS", DEFAULT_MAX_STREAM),
  maxStreams: atLeast("EVENTS_MAX_STREAMS", 1, DEFAULT_MAX_STREAMS),
  maxStreamsPerTeam: atLeast("EVENTS_MAX_STREAMS_PER_TEAM", 1, DEFAULT_MAX_STREAMS_PER_TEAM),
  webhooks: Schema.Config("WEBHOOK_ENDPOINTS", Endpoints).pipe(
    Config.withDefault({}),
    Config.map((endpoints) => new Map(Object.entries(endpoints)))
  ),
  natsUrl: Config.option(Config.nonEmptyString("EVENTS_NATS_URL"))
})

/**
 * The defaults: polled twice a second, a heartbeat every 15 s, streams of an hour, 1,000
 * of them at once and 100 per team, no relay.
 */
export const DEFAULT_EVENTS: EventsConfig = {
  pollInterval: DEFAULT_POLL,
  heartbeat: DEFAULT_HEARTBEAT,
  maxStream: DEFAULT_MAX_STREAM,
  maxStreams: DEFAULT_MAX_STREAMS,
  maxStreamsPerTeam: DEFAULT_MAX_STREAMS_PER_TEAM,
  webhooks: new Map(),
  natsUrl: Option.none()
}
