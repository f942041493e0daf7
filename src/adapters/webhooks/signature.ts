/**
 * Webhook signatures as the Standard Webhooks specification defines them, so a receiver
 * can verify them with any of its libraries: HMAC-SHA256 over `<id>.<timestamp>.<body>`,
 * sent as `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp`.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * The key bytes of a secret: after a `whsec_` prefix, base64 (as Standard Webhooks
 * writes secrets); otherwise the text itself, as UTF-8.
 */
const keyOf = (secret: string): Buffer =>
  secret.startsWith("whsec_") ? Buffer.from(secret.slice("whsec_".length), "base64") : Buffer.from(secret, "utf8")

/**
 * The `webhook-signature` header of a delivery: `v1,` and the base64 HMAC-SHA256, keyed by
 * `secret`, of `<id>.<timestampSeconds>.<body>`.
 *
 * @since 0.3.0
 * @category webhooks
 */
export const signWebhook = (secret: string, id: string, timestampSeconds: number, body: string): string =>
  `v1,${createHmac("sha256", keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`

/**
 * Whether a delivery's headers prove it came from the holder of `secret` within
 * `toleranceSeconds` (default 300) of `nowSeconds`: for receivers, and the tests. Any of
 * the space-separated signatures may match (a sender rotating its secret sends two);
 * comparisons take the same time whatever they compare.
 *
 * @example
 * ```ts
 * import { verifyWebhook } from "transfer-backfills/webhooks"
 *
 * declare const headers: Record<string, string>
 * declare const rawBody: string
 *
 * const genuine = verifyWebhook("my-secret", {
 *   id: headers["webhook-id"] ?? "",
 *   timestamp: headers["webhook-timestamp"] ?? "",
 *   signature: headers["webhook-signature"] ?? ""
 * }, rawBody, Math.floor(Date.now() / 1000))
 * ```
 *
 * @since 0.3.0
 * @category webhooks
 */
export const verifyWebhook = (
  secret: string,
  headers: { readonly id: string; readonly timestamp: string; readonly signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300
): boolean => {
  const timestamp = Number(headers.timestamp)
  if (!/^\d+$/.test(headers.timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body))
  return headers.signature.split(" ").some((candidate) => {
    const given = Buffer.from(candidate)
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
