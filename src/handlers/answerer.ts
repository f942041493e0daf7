/**
 * What both standard handlers share: the ports built once into a runtime, and the answer
 * to one request through the library's dispatcher. A defect outside the dispatcher (the
 * ports failing to build) is logged and answered with a bare 500, as every other defect.
 */
import { Effect, type Layer, ManagedRuntime } from "effect"
import { type DispatchOptions, dispatch, type IncomingApiRequest } from "../http/dispatch.js"
import type { ApiServices } from "../http/endpoint.js"
import { type HttpResponse, respond } from "../http/response.js"

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

const answerDefect = (defect: unknown, request: IncomingApiRequest) =>
  Effect.runPromise(respond(Effect.die(defect), () => ({ data: null }), request.header("x-request-id")))

/**
 * An `Answerer` over a runtime that provides the API's services.
 *
 * @since 0.2.0
 * @category handlers
 */
export const answererOf = (
  runtime: Pick<ManagedRuntime.ManagedRuntime<ApiServices, unknown>, "runPromise" | "dispose">,
  options: HandlerOptions = {}
): Answerer => ({
  answer: (request) =>
    runtime.runPromise(dispatch(request, options)).catch((defect: unknown) => answerDefect(defect, request)),
  dispose: () => runtime.dispose()
})

/**
 * An `Answerer` over the API's ports, built once, when the first request comes.
 *
 * @since 0.2.0
 * @category handlers
 */
export const answererFromLayer = <E>(ports: Layer.Layer<ApiServices, E>, options: HandlerOptions = {}): Answerer =>
  answererOf(ManagedRuntime.make(ports), options)
