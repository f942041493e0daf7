/**
 * One caller's burst of requests against hosts sharing a rate limit, and what its answers
 * must show: exactly the requests the window had room for, and headers that agree.
 */
import { expect } from "vitest"
import { envelopeOf, type RawResponse, send } from "./rawHttp.js"

/** `count` requests of demo-admin to `path`, spread over `urls`, at most `concurrency` in flight; the answers in order. */
export const burst = async (
  urls: ReadonlyArray<string>,
  count: number,
  { concurrency = 200, path = "/teams/1/backfills" }: { readonly concurrency?: number; readonly path?: string } = {}
) => {
  const answers: Array<RawResponse> = []
  let next = 0
  const lane = async () => {
    while (next < count) {
      const index = next++
      answers[index] = await send(urls[index % urls.length] ?? "", { path, token: "demo-admin" })
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
  return answers
}

/**
 * Exactly `admitted` passed (answered `status`), with remaining counts `admitted - 1`
 * down to 0, the others refused; every answer says `limit`, and every refusal agrees
 * with its headers.
 */
export const expectExactQuota = (
  responses: ReadonlyArray<RawResponse>,
  {
    limit,
    admitted = limit,
    status = 200
  }: { readonly limit: number; readonly admitted?: number; readonly status?: number }
) => {
  const passed = responses.filter((response) => response.status === status)
  const refused = responses.filter((response) => response.status === 429)
  expect(passed).toHaveLength(admitted)
  expect(refused).toHaveLength(responses.length - admitted)
  expect(passed.map((response) => Number(response.headers["x-ratelimit-remaining"])).sort((a, b) => a - b)).toEqual(
    Array.from({ length: admitted }, (_, index) => index)
  )
  for (const response of responses) {
    expect(response.headers["x-ratelimit-limit"]).toBe(String(limit))
    expect(Number(response.headers["x-ratelimit-reset"])).toBeGreaterThan(0)
    expect(Number(response.headers["x-ratelimit-reset"])).toBeLessThanOrEqual(3600)
  }
  for (const response of refused) {
    expect(response.headers["x-ratelimit-remaining"]).toBe("0")
    expect(response.headers["retry-after"]).toBe(response.headers["x-ratelimit-reset"])
    const envelope = envelopeOf(response)
    expect(envelope.error?.code).toBe("TOO_MANY_REQUESTS")
    expect(envelope.error?.description).toBe(`Retry after ${response.headers["retry-after"]} seconds.`)
  }
}
