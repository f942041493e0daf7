/**
 * Events as signed webhooks: one `POST` per event to its team's endpoint, with the event's
 * JSON as body and Standard Webhooks headers. A 2xx answer delivers it. A 4xx that refuses
 * the event itself fails it for good: the relay dead-letters it at once. Any other answer,
 * a network error or no answer within the timeout fails it for now: the relay tries again
 * after its backoff and dead-letters it after its last attempt.
 */
import { Clock, Duration, Effect, Layer, Option } from "effect"
import { type BackfillEvent, encodeEvent, eventId } from "../../domain/events.js"
import type { TeamId } from "../../domain/ids.js"
import { stringifyJson } from "../../http/json.js"
import { EventDeliveryFailed, EventSink } from "../../ports/eventSink.js"
import { signWebhook } from "./signature.js"

/**
 * Where one team's events go, and the secret their signatures are keyed by.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookEndpoint {
  readonly url: string
  readonly secret: string
}

/**
 * How the webhook sink delivers.
 *
 * @since 0.3.0
 * @category models
 */
export interface WebhookSinkOptions {
  /** The team's endpoint; a team without one has its events delivered to nobody. */
  readonly endpointOf: (teamId: TeamId) => Option.Option<WebhookEndpoint>
  /** How long a receiver has to answer. Default 10 s: well within the relay's hold. */
  readonly timeout?: Duration.DurationInput
  /** The `fetch` to send with. Default: the global one. */
  readonly fetch?: typeof globalThis.fetch
}

/**
 * The default time a receiver has to answer one delivery.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_WEBHOOK_TIMEOUT: Duration.Duration = Duration.seconds(10)

/**
 * Whether a receiver's non-2xx `status` may pass if the event is sent again. A 4xx refuses
 * the event itself (400 a body it cannot take, 401 or 403 a signature it does not accept,
 * 404 or 410 an endpoint that is gone), except 408, 425 and 429, which ask to be asked
 * again later. Everything else may pass later: a 5xx, or a redirect an operator can fix
 * before the last attempt.
 *
 * @since 0.3.0
 * @category utils
 */
export const isRetryableStatus = (status: number): boolean =>
  status < 400 || status >= 500 || status === 408 || status === 425 || status === 429

/**
 * An `EventSink` that posts each event to its team's endpoint, signed.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeWebhookSink = (options: WebhookSinkOptions): EventSink["Type"] => {
  const send = options.fetch ?? globalThis.fetch
  const timeout = options.timeout ?? DEFAULT_WEBHOOK_TIMEOUT
  const post = (endpoint: WebhookEndpoint, event: BackfillEvent) =>
    Effect.gen(function* () {
      const body = stringifyJson(encodeEvent(event))
      const id = eventId(event)
      const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const status = yield* Effect.tryPromise({
        try: async (signal) => {
          const response = await send(endpoint.url, {
            method: "POST",
            // A redirect would turn the POST into a GET whose 2xx says nothing of the event.
            redirect: "manual",
            signal,
            headers: {
              "content-type": "application/json",
              "webhook-id": id,
              "webhook-timestamp": String(timestamp),
              "webhook-signature": signWebhook(endpoint.secret, id, timestamp, body)
            },
            body
          })
          // The answer's body is not needed; reading it lets the connection be reused.
          await response.arrayBuffer().catch(() => undefined)
          return response.status
        },
        catch: (error) =>
          new EventDeliveryFailed({
            reason: `POST failed: ${error instanceof Error ? error.message : String(error)}`,
            retryable: true
          })
      }).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new EventDeliveryFailed({ reason: `no answer within ${Duration.format(timeout)}`, retryable: true })
        })
      )
      if (status < 200 || status > 299)
        return yield* new EventDeliveryFailed({ reason: `answered ${status}`, retryable: isRetryableStatus(status) })
    })
  return {
    deliver: (event) =>
      Option.match(options.endpointOf(event.teamId), {
        onNone: () => Effect.void,
        onSome: (endpoint) => post(endpoint, event)
      })
  }
}

/**
 * `makeWebhookSink` as the `EventSink` of a layer.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import { layerWebhookSink } from "transfer-backfills/webhooks"
 *
 * const endpoints = new Map([[1n, { url: "https://team-one.example/hooks/backfills", secret: "whsec_c2VjcmV0" }]])
 * const sink = layerWebhookSink({ endpointOf: (teamId) => Option.fromNullable(endpoints.get(teamId)) })
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWebhookSink = (options: WebhookSinkOptions): Layer.Layer<EventSink> =>
  Layer.succeed(EventSink, makeWebhookSink(options))
