/**
 * The answer to a request refused before, or instead of, an operation: its error's SPEC §5
 * envelope, through `respond` like every other answer. There is no success to encode, so
 * the encoder is `absurd`.
 */
import { absurd, Effect } from "effect"
import type { HttpError } from "./errors.js"
import { type HttpResponse, respond } from "./response.js"

/** The envelope of `error`, answered under `requestId` (or a fresh one). */
export const refusal = (error: HttpError, requestId: string | undefined): Effect.Effect<HttpResponse> =>
  respond(Effect.fail(error), absurd, requestId)
