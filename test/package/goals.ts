/**
 * The dozen-line hosts a user writes, as the README shows them: how many lines each is
 * (blank lines and comments aside), and a way to run one and wait until it serves.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"

export const codeLines = (source: string): number =>
  source.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("//")).length

/** A port nothing listens on now. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export interface Started {
  readonly child: ChildProcess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts `node file` in `cwd` with `env`. */
export const start = (file: string, cwd: string, env: Record<string, string>): Started => {
  const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env, NO_COLOR: "1" } })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on("data", (chunk) => {
    output += String(chunk)
  })
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}

/** Asks `url` until it answers (any status), for up to `timeoutMs`. */
export const whenServing = async (url: string, timeoutMs: number, started: Started) => {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      return await fetch(url)
    } catch (error) {
      if (started.child.exitCode !== null) throw new Error(`exited ${started.child.exitCode}:\n${started.output()}`)
      if (performance.now() > deadline)
        throw new Error(`not serving after ${timeoutMs} ms:\n${started.output()}`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
