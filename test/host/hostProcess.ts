/**
 * The reference host as `npm start` runs it: a process of its own, with the environment
 * a test gives it on top of this one's.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))

export interface HostProcess {
  readonly child: ChildProcess
  /** The URL the host prints once it listens. */
  readonly listening: Promise<string>
  /** Everything it printed so far. */
  readonly output: () => string
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
}

/** Starts the host as `npm start` does; `env` entries set to `undefined` are removed. */
export const startHostProcess = (env: Readonly<Record<string, string | undefined>>): HostProcess => {
  const merged = Object.fromEntries(
    Object.entries({ ADMIN_PORT: "0", ...process.env, ...env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined
    )
  )
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: root,
    env: merged,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      if (url !== undefined) {
        clearInterval(timer)
        resolve(url)
      }
    }, 50)
    child.on("exit", () => {
      clearInterval(timer)
      reject(new Error(`exited before listening:\n${output}`))
    })
  })
  return { child, listening, output: () => output, exited }
}
