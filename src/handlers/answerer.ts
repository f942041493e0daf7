/**
 * What both standard handlers (and the Promise facade) share: the ports built once into a
 * runtime, and the answer to one request through the library's dispatcher. A runtime
 * whose ports fail to build (a database that does not answer yet) makes that request a
 * 503 and is replaced, so the next request builds the ports afresh.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { ServiceUnavailable } from "../domain/errors.js"
import { type DispatchOptions, dispatch, type IncomingApiRequest } from "../http/dispatch.js"
import type { ApiServices } from "../http/endpoint.js"
import { refusal } from "../http/refusal.js"
import type { HttpResponse } from "../http/response.js"

/**
 * Answers requests until disposed.
 *
 * @since 0.2.0
 * @category handlers
 */
export interface Answerer {
  /** The response to a request; never rejects: every failure is an envelope. */
  readonly answer: (request: IncomingApiRequest) => Promise<HttpResponse>
  /** Releases the ports (closes pools, stops fibers); answer no request after. */
  readonly dispose: () => Promise<void>
}

/**
 * Settings of the standard handlers.
 *
 * @since 0.2.0
 * @category handlers
 */
export interface HandlerOptions extends DispatchOptions {}

/**
 * Runs effects on the services of `layer`, built on first use and built again after a
 * build that failed. `logging` is where the 503 of a failed build is logged.
 *
 * @since 0.2.0
 * @category handlers
 */
export const makeRebuildingRunner = <R>(layer: Layer.Layer<R, unknown>, logging: Layer.Layer<never> = Layer.empty) => {
  let runtime = ManagedRuntime.make(layer)
  return {
    run: <A extends HttpResponse>(
      effect: Effect.Effect<A, never, R>,
      requestId: string | undefined,
      unanswered: (response: HttpResponse) => A
    ): Promise<A> => {
      const current = runtime
      return current.runPromise(effect).catch(async (cause: unknown) => {
        if (runtime === current) runtime = ManagedRuntime.make(layer)
        void current.dispose().catch(() => undefined)
        const unavailable = refusal(new ServiceUnavailable({ cause }), requestId)
        return unanswered(await Effect.runPromise(Effect.provide(unavailable, logging)))
      })
    },
    dispose: () => runtime.dispose()
  }
}

/**
 * An `Answerer` over the API's services.
 *
 * @since 0.2.0
 * @category handlers
 */
export const answererOf = (
  services: Layer.Layer<ApiServices, unknown>,
  options: HandlerOptions = {},
  logging: Layer.Layer<never> = Layer.empty
): Answerer => {
  const runner = makeRebuildingRunner(services, logging)
  const asIs = (response: HttpResponse) => response
  return {
    answer: (request) => runner.run(dispatch(request, options), request.header("x-request-id"), asIs),
    dispose: runner.dispose
  }
}
