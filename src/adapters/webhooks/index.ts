/**
 * `transfer-backfills/webhooks`: events as signed webhooks (Standard Webhooks), for the
 * relay's `EventSink`, and the check a receiver makes of their signatures.
 *
 * @module transfer-backfills/webhooks
 */
export * from "./signature.js"
export * from "./sink.js"
