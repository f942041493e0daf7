/**
 * The reference host's settings from the environment: the defaults the README lists, and
 * a start refused, naming the variable, for a setting the host cannot honour.
 */
import { ConfigProvider, Duration, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { DEFAULT_CONNECTION_LIMITS, hostConfigFromEnv } from "../../src/host/config.js"
import { connectionCap } from "../../src/host/nodeServer.js"

const read = (env: Record<string, string>) =>
  Effect.runPromiseExit(
    Effect.withConfigProvider(hostConfigFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("the host's settings", () => {
  it("default to the limits docs/hosting.md lists", async () => {
    const exit = await read({})
    expect(exit._tag === "Success" && exit.value.connections).toEqual(DEFAULT_CONNECTION_LIMITS)
    expect(DEFAULT_CONNECTION_LIMITS).toEqual({
      headersTimeout: Duration.seconds(10),
      requestTimeout: Duration.seconds(30),
      keepAliveTimeout: Duration.seconds(5),
      maxConnections: 1000,
      maxRequestHeaders: 100
    })
    expect(exit._tag === "Success" && exit.value.rateLimitPerHour).toBe(5000)
    expect(exit._tag === "Success" && exit.value.databasePreparedStatements).toBe(256)
    expect(exit._tag === "Success" && [exit.value.events.maxStreams, exit.value.events.maxStreamsPerTeam]).toEqual([
      1000, 100
    ])
  })

  it("take every whole rate limit and the connection limits as given", async () => {
    const exit = await read({
      RATE_LIMIT_PER_HOUR: "7",
      HEADERS_TIMEOUT_MS: "2000",
      REQUEST_TIMEOUT_MS: "3000",
      KEEP_ALIVE_TIMEOUT_MS: "700",
      MAX_CONNECTIONS: "12",
      MAX_REQUEST_HEADERS: "40",
      REDIS_URL: "redis://127.0.0.1:6379",
      RATE_LIMIT_REDIS_TIMEOUT_MS: "250",
      DATABASE_PREPARED_STATEMENTS: "0",
      EVENTS_MAX_STREAMS: "30",
      EVENTS_MAX_STREAMS_PER_TEAM: "3"
    })
    expect(exit._tag).toBe("Success")
    if (exit._tag !== "Success") return
    expect(exit.value.rateLimitPerHour).toBe(7)
    expect(exit.value.databasePreparedStatements).toBe(0)
    expect([exit.value.events.maxStreams, exit.value.events.maxStreamsPerTeam]).toEqual([30, 3])
    expect(exit.value.connections).toEqual({
      headersTimeout: Duration.millis(2000),
      requestTimeout: Duration.millis(3000),
      keepAliveTimeout: Duration.millis(700),
      maxConnections: 12,
      maxRequestHeaders: 40
    })
    expect(exit.value.rateLimitStore).toEqual(
      expect.objectContaining({ _tag: "Redis", commandTimeout: Duration.millis(250) })
    )
  })

  it.each([
    ["RATE_LIMIT_PER_HOUR", { RATE_LIMIT_PER_HOUR: "0" }],
    ["RATE_LIMIT_PER_HOUR", { RATE_LIMIT_PER_HOUR: "1.5" }],
    ["RATE_LIMIT_PER_HOUR", { RATE_LIMIT_PER_HOUR: "9007199254740992" }],
    ["MAX_CONNECTIONS", { MAX_CONNECTIONS: "0" }],
    ["MAX_REQUEST_HEADERS", { MAX_REQUEST_HEADERS: "-3" }],
    ["DATABASE_PREPARED_STATEMENTS", { DATABASE_PREPARED_STATEMENTS: "-1" }],
    ["KEEP_ALIVE_TIMEOUT_MS", { KEEP_ALIVE_TIMEOUT_MS: "0" }],
    ["EVENTS_MAX_STREAMS", { EVENTS_MAX_STREAMS: "0" }],
    ["EVENTS_MAX_STREAMS_PER_TEAM", { EVENTS_MAX_STREAMS_PER_TEAM: "2.5" }],
    ["HEADERS_TIMEOUT_MS", { HEADERS_TIMEOUT_MS: "40000", REQUEST_TIMEOUT_MS: "30000" }]
  ])("refuse to start with %s the host cannot honour", async (name, env) => {
    const exit = await read(env)
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain(name)
  })
})

describe("the connection cap", () => {
  it("stays as set while the process may open enough files, and is lowered below its file limit otherwise", async () => {
    expect(await Effect.runPromise(connectionCap(1000, 16, Option.some(20_000)))).toBe(1000)
    expect(await Effect.runPromise(connectionCap(1000, 16, Option.none()))).toBe(1000)
    // 1,024 files: 16 for the pool and 64 beside leave 944 for connections.
    expect(await Effect.runPromise(connectionCap(1000, 16, Option.some(1024)))).toBe(944)
  })
})
