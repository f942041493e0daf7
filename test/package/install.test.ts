/**
 * The package as a user meets it: packed into a tarball, checked by publint and
 * arethetypeswrong, installed with its peers into an empty project, type-checked there
 * under `NodeNext` and `Bundler` resolution, run (ESM and `require`), and its conformance
 * entry run by that project's own vitest. Needs the npm registry (or npm's cache).
 */
import { execFile, spawn } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerPostgresBackfillRepository, layerPostgresTransferLookup } from "../../src/adapters/postgres/index.js"
import { GRANTS } from "../../src/domain/access.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { getBackfill } from "../../src/operations/getBackfill.js"
import { scheduleBackfill } from "../../src/operations/scheduleBackfill.js"
import { createGoalDatabase, onGoalDatabase } from "./goalDatabase.js"
import { codeLines, freePort, start, whenServing } from "./goals.js"
import { extractSnippets, packageOf, specifiers } from "./snippets.js"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../..", import.meta.url))
const fixture = fileURLToPath(new URL("consumer", import.meta.url))
const workspace = mkdtempSync(join(tmpdir(), "transfer-backfills-install-"))
const consumer = join(workspace, "consumer")

const repository = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string
  peerDependencies: Record<string, string>
  devDependencies: Record<string, string>
  exports: Record<string, unknown>
}

const snippets = extractSnippets(root)
/** Packages the docs' snippets and the goal hosts import beside the library and its peers, at the ranges it tests with. */
const snippetPackages = [
  ...new Set(
    [...snippets.flatMap(({ source }) => specifiers(source)), "@effect/platform-node", "pg"]
      .map(packageOf)
      .filter((name): name is string => name !== undefined && name !== "transfer-backfills")
  )
]

/** Runs a command, failing with its output. */
const sh = async (command: string, args: ReadonlyArray<string>, cwd: string) => {
  try {
    return await run(command, [...args], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" }
    })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}\n${stderr ?? ""}`)
  }
}

let tarball: string

beforeAll(async () => {
  const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", workspace], root)
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as Array<{ filename: string }>
  tarball = join(workspace, packed?.filename ?? "")
  cpSync(fixture, consumer, { recursive: true })
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  // The package with each peer at the range it declares, as the README's install line says.
  const peers = Object.entries(repository.peerDependencies).map(([name, range]) => `${name}@${range}`)
  // With the types the peers' own declarations need when a consumer checks them (skipLibCheck off).
  const tools = [
    ...["typescript", "@types/node", "@types/pg"].map((name) => `${name}@${repository.devDependencies[name]}`),
    "@types/ws@^8" // @effect/platform-node's declarations name ws
  ]
  const imported = snippetPackages
    .filter((name) => repository.peerDependencies[name] === undefined)
    .flatMap((name) => [name, `@types/${name}`])
    .filter((name) => !name.startsWith("@types/") || repository.devDependencies[name] !== undefined)
    .map((name) => `${name}@${repository.devDependencies[name] ?? "unknown to package.json"}`)
  mkdirSync(join(consumer, "snippets"))
  for (const snippet of snippets) {
    writeFileSync(join(consumer, "snippets", snippet.file), `// ${snippet.origin}\n${snippet.source}\nexport {}\n`)
  }
  writeFileSync(
    join(consumer, "tsconfig.snippets.json"),
    JSON.stringify({
      extends: "./tsconfig.nodenext.json",
      compilerOptions: { outDir: "out-snippets", rootDir: "snippets" },
      files: snippets.map(({ file }) => `snippets/${file}`)
    })
  )
  await sh(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...peers, ...tools, ...imported],
    consumer
  )
}, 600_000)

afterAll(() => rmSync(workspace, { recursive: true, force: true }))

describe("the packed package", () => {
  it("ships the entries, the docs the README links and the licence, and no host or test code", async () => {
    const { stdout } = await sh("tar", ["-tzf", tarball], workspace)
    const files = stdout.split("\n").filter((line) => line !== "")
    expect(files).toEqual(expect.arrayContaining(["package/LICENSE", "package/README.md", "package/CHANGELOG.md"]))
    expect(files).toContain("package/dist/index.js")
    expect(files).toContain("package/dist/testing/conformance.d.ts")
    for (const link of readFileSync(join(root, "README.md"), "utf8").matchAll(/\]\((docs\/[^)#]+)/g)) {
      expect(files).toContain(`package/${link[1]}`)
    }
    expect(files.filter((file) => /^package\/(src|dist)\/host\/|^package\/test\//.test(file))).toEqual([])
  })

  it("names no Temporal type in the declarations an entry reaches", async () => {
    const { stdout } = await sh("tar", ["-xzOf", tarball, "--wildcards", "package/dist/*.d.ts"], workspace)
    const declarations = stdout.split("\n").filter((line) => /temporal-polyfill|Temporal\./.test(line))
    // Only the internal module that does the date arithmetic names Temporal, and nothing exports it.
    expect(declarations.every((line) => /toPlainDate|fromPlainDate|^import \{ Temporal \}/.test(line))).toBe(true)
    expect(stdout).not.toMatch(/from "\.\/plainDates\.js"|from "\.\.\/domain\/plainDates\.js"/)
  })

  it("passes publint --strict and arethetypeswrong for an ESM-only package", async () => {
    const publint = await sh(join(root, "node_modules/.bin/publint"), ["--strict", tarball], root)
    expect(publint.stdout).toContain("All good!")
    // attw exits non-zero on any problem the profile counts; every entry resolves for ESM and bundlers.
    const attw = await sh(join(root, "node_modules/.bin/attw"), [tarball, "--profile", "esm-only"], root)
    const entries = attw.stdout
      .split("***********************************")
      .filter((part) => part.includes('"transfer') && !part.includes("package.json"))
    expect(entries).toHaveLength(Object.keys(repository.exports).length - 1) // every entry but package.json
    for (const entry of entries) {
      expect(entry).toContain("node16 (from ESM): 🟢 (ESM)")
      expect(entry).toContain("bundler: 🟢")
    }
  })

  it("type-checks a consumer under NodeNext and under Bundler resolution", async () => {
    await sh(join(consumer, "node_modules/.bin/tsc"), ["-p", "tsconfig.nodenext.json"], consumer)
    await sh(join(consumer, "node_modules/.bin/tsc"), ["-p", "tsconfig.bundler.json"], consumer)
  })

  it("runs the consumer: the Effect handlers, the Promise facade, the arbitraries, every entry importable", async () => {
    const { stdout } = await sh(process.execPath, ["out/consumer.js"], consumer)
    expect(stdout.split("\n")).toEqual(["effect 200 31", "promise 401", "arbitraries true", "postgres function", ""])
  })

  it("loads with require() where Node can require ES modules", async () => {
    const { stdout } = await sh(process.execPath, ["required.cjs"], consumer)
    expect(stdout).toBe(`require 1 function ${repository.version}\n`)
  })

  it("runs the repository conformance suites with the consumer's own vitest", async () => {
    const { stdout } = await sh(join(consumer, "node_modules/.bin/vitest"), ["run", "--reporter=dot"], consumer)
    expect(stdout).toMatch(/Test Files {2}1 passed \(1\)/)
  })
})

const SNIPPET_SECRET = "a docs secret of thirty-two bytes or more"

/** Runs a built snippet: its exit, or `running` when it still serves after `grace` ms (then it is stopped). */
const runSnippet = (file: string, grace: number) =>
  new Promise<{ readonly outcome: "exited" | "running"; readonly code: number | null; readonly output: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [join("out-snippets", file.replace(/\.ts$/, ".js"))], {
        cwd: consumer,
        env: {
          ...process.env,
          PORT: "0",
          TOKEN: "docs-token",
          SECRET: SNIPPET_SECRET,
          CURSOR_SECRET: SNIPPET_SECRET,
          NO_COLOR: "1"
        }
      })
      let output = ""
      child.stdout.on("data", (chunk) => {
        output += String(chunk)
      })
      child.stderr.on("data", (chunk) => {
        output += String(chunk)
      })
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        resolve({ outcome: "running", code: null, output })
      }, grace)
      child.on("exit", (code) => {
        clearTimeout(timer)
        resolve({ outcome: "exited", code, output })
      })
    }
  )

describe("the docs' TypeScript (every ```ts block of README.md and docs/*.md)", () => {
  it("is there to check, and imports the package's entries, Node's modules and published packages only", () => {
    expect(snippets.length).toBeGreaterThan(5)
    for (const snippet of snippets) {
      for (const specifier of specifiers(snippet.source)) {
        expect(specifier.startsWith("."), `${snippet.origin} imports ${specifier}, which no user has`).toBe(false)
      }
    }
  })

  it("type-checks as a strict NodeNext consumer's code, against the packed package", async () => {
    await sh(join(consumer, "node_modules/.bin/tsc"), ["-p", "tsconfig.snippets.json"], consumer)
  })

  it("runs: each block ends without an error, or is still serving after 3 s", async () => {
    const failures: Array<string> = []
    for (const snippet of snippets) {
      if (/DATABASE_URL/.test(snippet.source) && process.env.DATABASE_URL === undefined) continue
      const run = await runSnippet(snippet.file, 3_000)
      if (run.outcome === "exited" && run.code !== 0)
        failures.push(`${snippet.origin} exited ${run.code}:\n${run.output}`)
    }
    expect(failures).toEqual([])
  })
})

describe("the dozen-line goals, built from the packed package as the README shows them", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const goal = (name: string) => readFileSync(join(fixture, "goals", name), "utf8")
  /** The README's copy: the goal file without its first line, which says what it is. */
  const shownInReadme = (name: string) => goal(name).slice(goal(name).indexOf("\n") + 1)

  it("an Effect host in at most 15 lines serves the API with its own token check", async () => {
    expect(codeLines(goal("effectHost.ts"))).toBeLessThanOrEqual(15)
    expect(readme).toContain(`\`\`\`ts\n${shownInReadme("effectHost.ts")}\`\`\``)
    const port = await freePort()
    const host = start("out/goals/effectHost.js", consumer, {
      PORT: String(port),
      TOKEN: "goal-token",
      SECRET: "a goal secret of thirty-two bytes or more"
    })
    try {
      const base = `http://127.0.0.1:${port}`
      expect((await whenServing(`${base}/teams/1/backfills`, 60_000, host)).status).toBe(401)
      const created = await fetch(`${base}/teams/1/transfers/456789/backfills`, {
        method: "POST",
        headers: { authorization: "Bearer goal-token" },
        body: '{"range_start":"2024-01-01","range_end":"2024-01-03"}'
      })
      expect([created.status, ((await created.json()) as { data: { status: string } }).data.status]).toEqual([
        200,
        "CREATED"
      ])
      const listed = await fetch(`${base}/teams/1/backfills`, { headers: { authorization: "Bearer goal-token" } })
      expect(listed.status).toBe(200)
    } finally {
      await host.stop()
    }
  })

  const serverUrl = process.env.DATABASE_URL
  it.skipIf(serverUrl === undefined || serverUrl === "")(
    "a worker in at most 15 lines completes a backfill on PostgreSQL (needs DATABASE_URL, which .ci/run sets)",
    async () => {
      expect(codeLines(goal("worker.ts"))).toBeLessThanOrEqual(15)
      expect(readme).toContain(`\`\`\`ts\n${shownInReadme("worker.ts")}\`\`\``)
      const database = await createGoalDatabase(serverUrl ?? "", true)
      const principal = { userId: UserId.make(7n), teamIds: [TeamId.make(1n)], ...GRANTS.write }
      const ports = Layer.mergeAll(layerPostgresBackfillRepository(), layerPostgresTransferLookup())
      const onPorts = <A>(effect: Effect.Effect<A, unknown, Layer.Layer.Success<typeof ports>>) =>
        onGoalDatabase(database, Effect.provide(effect, ports))
      const read = () => onPorts(getBackfill({ principal, teamId: TeamId.make(1n), backfillId: BackfillId.make(1n) }))
      const worker = start("out/goals/worker.js", consumer, { DATABASE_URL: database.url })
      try {
        await onPorts(
          scheduleBackfill({
            principal,
            teamId: TeamId.make(1n),
            transferId: TransferId.make(456789n),
            range: { range_start: "2024-01-01", range_end: "2024-01-05" }
          })
        )
        const deadline = performance.now() + 60_000
        while ((await read()).status !== "COMPLETED" && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
        const done = await read()
        expect([done.status, done.runs.completed]).toEqual(["COMPLETED", 5])
        expect(worker.output()).toContain("re-ran 2024-01-05")
      } finally {
        await worker.stop()
        await database.drop()
      }
    }
  )

  it.skipIf(serverUrl === undefined || serverUrl === "")(
    "a Promise host on PostgreSQL in at most 25 lines and a Promise worker in at most 15, neither importing Effect, complete a backfill together (needs DATABASE_URL, which .ci/run sets)",
    async () => {
      for (const [name, most] of [
        ["promiseHost.ts", 25],
        ["promiseWorker.ts", 15]
      ] as const) {
        expect(codeLines(goal(name)), name).toBeLessThanOrEqual(most)
        expect(
          specifiers(goal(name)).filter((specifier) => /effect/.test(specifier)),
          name
        ).toEqual([])
        expect(readme).toContain(`\`\`\`ts\n${shownInReadme(name)}\`\`\``)
      }
      const database = await createGoalDatabase(serverUrl ?? "", false)
      const port = await freePort()
      const env = {
        DATABASE_URL: database.url,
        PORT: String(port),
        TOKEN: "goal-token",
        SECRET: "a goal secret of thirty-two bytes or more"
      }
      const host = start("out/goals/promiseHost.js", consumer, env)
      const worker = start("out/goals/promiseWorker.js", consumer, env)
      const base = `http://127.0.0.1:${port}`
      const asAdmin = { authorization: "Bearer goal-token" }
      try {
        expect((await whenServing(`${base}/teams/1/backfills`, 60_000, host)).status).toBe(401)
        const created = await fetch(`${base}/teams/1/transfers/456789/backfills`, {
          method: "POST",
          headers: asAdmin,
          body: '{"range_start":"2024-01-01","range_end":"2024-01-04"}'
        })
        expect(created.status).toBe(200)
        const read = async () =>
          (
            (await (await fetch(`${base}/teams/1/backfills/1`, { headers: asAdmin })).json()) as {
              data: { status: string; transfer_runs_completed: number }
            }
          ).data
        const deadline = performance.now() + 60_000
        while ((await read()).status !== "COMPLETED" && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
        const done = await read()
        expect([done.status, done.transfer_runs_completed]).toEqual(["COMPLETED", 4])
        expect(worker.output()).toContain("transfer 456789 re-ran 2024-01-01")
      } finally {
        await Promise.all([host.stop(), worker.stop()])
        await database.drop()
      }
      expect([host.child.exitCode, worker.child.exitCode]).toEqual([0, 0])
    }
  )
})
