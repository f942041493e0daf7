/**
 * The package as a user meets it: packed into a tarball, checked by publint and
 * arethetypeswrong, installed with its peers into an empty project, type-checked there
 * under `NodeNext` and `Bundler` resolution, run (ESM and `require`), and its conformance
 * entry run by that project's own vitest. Needs the npm registry (or npm's cache).
 */
import { execFile } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../..", import.meta.url))
const fixture = fileURLToPath(new URL("consumer", import.meta.url))
const workspace = mkdtempSync(join(tmpdir(), "transfer-backfills-install-"))
const consumer = join(workspace, "consumer")

const repository = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string
  peerDependencies: Record<string, string>
  devDependencies: Record<string, string>
}

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
  const tools = ["typescript", "@types/node", "@types/pg"].map((name) => `${name}@${repository.devDependencies[name]}`)
  await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...peers, ...tools], consumer)
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
    expect(entries).toHaveLength(7)
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
