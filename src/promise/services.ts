/**
 * The services a Promise host's options make: its ports (functions, a layer, or some of
 * each, the functions winning), the page cursors' key, the policy, the keys' lifetime and
 * the logger. `createPromiseApi`, the Promise handlers and the Promise worker build on it.
 */
import { type Context, Duration, Layer, Logger, Option } from "effect"
import { IdempotencyKeyLifetime } from "../domain/idempotency.js"
import { BackfillPolicy, DEFAULT_POLICY } from "../domain/policy.js"
import { layerPageCursors } from "../http/pageCursor.js"
import { Authenticator } from "../ports/authenticator.js"
import { BackfillRepository } from "../ports/backfillRepository.js"
import { TransferLookup } from "../ports/transferLookup.js"
import { layerPlainLogger, logLevelOf } from "./logging.js"
import { type LooseOptions, PromiseApiOptionsError, type PromiseApiSettings, validated } from "./options.js"
import { layerAuthenticate, layerFindTeamTransfer, layerRepositoryOrMemory } from "./ports.js"

/** Where the library's own logs go: the host's `logger` from its `minimumLogLevel`, or the console. */
export const loggingOf = (options: Pick<PromiseApiSettings, "logger" | "minimumLogLevel">): Layer.Layer<never> =>
  Layer.merge(
    options.logger === undefined ? Layer.empty : layerPlainLogger(options.logger),
    Logger.minimumLogLevel(logLevelOf(options.minimumLogLevel ?? "INFO"))
  )

type ApiPorts = Authenticator | TransferLookup | BackfillRepository

/** Each API port by the function that may stand for it and its service's key. */
const API_PORTS: ReadonlyArray<readonly [string, string]> = [
  ["authenticate", Authenticator.key],
  ["findTeamTransfer", TransferLookup.key],
  ["repository", BackfillRepository.key]
]

/**
 * The layer's services with the functions' over them, every API port present: a port
 * neither given as a function nor found in the layer is named when the layer is built.
 */
const mixedPorts = (options: LooseOptions): Layer.Layer<ApiPorts, unknown> => {
  const given: ReadonlyArray<Layer.Layer<never>> = [
    ...(options.authenticate === undefined ? [] : [layerAuthenticate(options.authenticate)]),
    ...(options.findTeamTransfer === undefined ? [] : [layerFindTeamTransfer(options.findTeamTransfer)]),
    ...(options.layer === undefined || options.repository !== undefined
      ? [layerRepositoryOrMemory(options.repository)]
      : [])
  ]
  const merged = Layer.mergeAll(options.layer ?? Layer.empty, ...given)
  return Layer.flatMap(merged, (context) => {
    const missing = API_PORTS.filter(([, key]) => !context.unsafeMap.has(key))
    return missing.length === 0
      ? Layer.succeedContext(context as Context.Context<ApiPorts>)
      : Layer.die(
          new PromiseApiOptionsError(
            `the ports' layer provides no ${missing.map(([, key]) => key).join(", ")}, and ` +
              `no ${missing.map(([name]) => name).join(", ")} was given as a function.`
          )
        )
  })
}

/** Every service the API's handlers need, from a Promise host's options (checked first). */
export const promiseServices = (options: LooseOptions) => {
  const policy = validated(options)
  const logging = loggingOf(options)
  const services = Layer.mergeAll(
    mixedPorts(options),
    layerPageCursors(options.cursorSecret),
    Layer.succeed(BackfillPolicy, {
      maxRangeDays: policy.maxRangeDays ?? DEFAULT_POLICY.maxRangeDays,
      earliestDate: Option.fromNullable(policy.earliestDate)
    }),
    options.idempotencyKeyLifetimeMillis === undefined
      ? Layer.empty
      : Layer.succeed(IdempotencyKeyLifetime, Duration.millis(options.idempotencyKeyLifetimeMillis)),
    logging
  )
  return { services, logging }
}
