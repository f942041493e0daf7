/**
 * The library's log lines handed to a Promise host's logger as plain values.
 */
import { Cause, HashMap, Logger, LogLevel } from "effect"

/**
 * One line the library logs, in plain values.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainLogEntry {
  readonly level: PlainLogLevel
  readonly message: string
  readonly timeMillis: number
  /** What the library attached, e.g. `request_id`. */
  readonly annotations: Readonly<Record<string, unknown>>
  /** The failure behind the line, printed, or `null`. */
  readonly cause: string | null
}

/**
 * Effect's log levels, by their labels.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"

export const LOG_LEVELS: ReadonlyArray<PlainLogLevel> = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map(messageText).join(" ") : typeof message === "string" ? message : String(message)

export const logLevelOf = (label: PlainLogLevel): LogLevel.LogLevel =>
  LogLevel.allLevels.find((level) => level.label === label) ?? LogLevel.Info

export const layerPlainLogger = (log: (entry: PlainLogEntry) => void) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, date, annotations, cause }) => {
      try {
        log({
          level: logLevel.label as PlainLogLevel,
          message: messageText(message),
          timeMillis: date.getTime(),
          annotations: Object.fromEntries(HashMap.toEntries(annotations)),
          cause: Cause.isEmpty(cause) ? null : Cause.pretty(cause)
        })
      } catch {
        // A host's logger that throws must not turn an answer into a rejected promise.
      }
    })
  )
