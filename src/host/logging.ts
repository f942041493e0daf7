/**
 * The reference host's logs: one JSON object a line on stdout, which a log shipper reads
 * without a parser of its own. The ids the library annotates its logs with (`request_id`,
 * `span_id`, `team_id`, `backfill_id`, `worker_id`…) are top-level keys, so a line is
 * found by the id an operator holds.
 */
import { Cause, HashMap, Layer, Logger, LogLevel, Option } from "effect"

const LEVELS_BY_NAME: ReadonlyMap<string, LogLevel.LogLevel> = new Map([
  ["trace", LogLevel.Trace],
  ["debug", LogLevel.Debug],
  ["info", LogLevel.Info],
  ["warning", LogLevel.Warning],
  ["warn", LogLevel.Warning],
  ["error", LogLevel.Error],
  ["fatal", LogLevel.Fatal],
  ["none", LogLevel.None]
])

/** The names `LOG_LEVEL` accepts, as a sentence lists them. */
export const LOG_LEVEL_NAMES = [...LEVELS_BY_NAME.keys()].join(", ")

/** The level a `LOG_LEVEL` value names, in any case; `None` for a name it does not know. */
export const logLevelNamed = (name: string): Option.Option<LogLevel.LogLevel> =>
  Option.fromNullable(LEVELS_BY_NAME.get(name.trim().toLowerCase()))

/**
 * `JSON.stringify` that writes what it would refuse or lose: a bigint (every id) as its
 * digits, an `Error` as its name and message, an object met a second time as nothing (a
 * cycle would never end).
 */
const toJson = (value: unknown): string => {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, (_key, field: unknown) => {
    if (typeof field === "bigint") return field.toString()
    if (typeof field !== "object" || field === null) return field
    if (seen.has(field)) return undefined
    seen.add(field)
    return field instanceof Error && !("toJSON" in field)
      ? { ...field, name: field.name, message: field.message }
      : field
  })
}

const asText = (value: unknown): string =>
  typeof value === "object" && value !== null && !(value instanceof Error) ? toJson(value) : String(value)

/**
 * A log as one JSON line: `time`, `level`, `message`, the annotations, `details` when the
 * log carried more values than its message, `cause` when it carried a failure.
 */
export const jsonLineLogger: Logger.Logger<unknown, string> = Logger.make(
  ({ annotations, cause, date, logLevel, message }) => {
    const [first = "", ...rest] = Array.isArray(message) ? message : [message]
    const core = {
      time: date.toISOString(),
      level: logLevel.label.toLowerCase(),
      message: asText(first),
      ...(rest.length === 0 ? {} : { details: rest.length === 1 ? rest[0] : rest }),
      ...(Cause.isEmpty(cause) ? {} : { cause: Cause.pretty(cause, { renderErrorCause: true }) })
    }
    // The core keys come first and win over an annotation of the same name, which would
    // otherwise hide when or what was logged.
    return toJson({ ...core, ...Object.fromEntries(HashMap.toEntries(annotations)), ...core })
  }
)

/** One instance, so that installing the host's logger twice still writes each log once. */
const jsonLinesOnStdout = Logger.withConsoleLog(jsonLineLogger)

/**
 * Every log of the program, the library's included, written as a JSON line on stdout from
 * `level` up, in place of Effect's default logger and of the pretty one `runMain` installs.
 */
export const layerHostLogger = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.replace(Logger.defaultLogger, jsonLinesOnStdout),
    Logger.remove(Logger.prettyLoggerDefault),
    Logger.minimumLogLevel(level)
  )
