/**
 * The version a reader sees agrees everywhere: package.json, the CHANGELOG's newest
 * section, and the `@since` of every doc comment, which names a released version or the
 * one the pending changesets make next.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../..", import.meta.url))
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8")
const released = [...changelog.matchAll(/^## (\d+\.\d+\.\d+)$/gm)].map((match) => match[1] ?? "")

type Bump = "major" | "minor" | "patch"
const pendingBumps = readdirSync(join(root, ".changeset"))
  .filter((name) => name.endsWith(".md") && name !== "README.md")
  .map(
    (name) =>
      /"transfer-backfills":\s*(major|minor|patch)/.exec(readFileSync(join(root, ".changeset", name), "utf8"))?.[1]
  )
  .filter((bump): bump is Bump => bump !== undefined)

const parts = (text: string) => text.split(".").map(Number) as [number, number, number]
const bumped = (text: string, bump: Bump) => {
  const [major, minor, patch] = parts(text)
  if (bump === "major") return `${major + 1}.0.0`
  if (bump === "minor") return `${major}.${minor + 1}.0`
  return `${major}.${minor}.${patch + 1}`
}
const next = ["major", "minor", "patch"]
  .filter((bump): bump is Bump => pendingBumps.includes(bump as Bump))
  .map((bump) => bumped(version, bump))[0]

const sourceFiles = (folder: string): ReadonlyArray<string> =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(folder, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(folder, entry.name)]
        : []
  )

describe("the version", () => {
  it("of package.json heads the CHANGELOG", () => {
    expect(released[0]).toBe(version)
  })

  it("named by every @since is released, or the next one the pending changesets make", () => {
    const allowed = new Set([...released, ...(next === undefined ? [] : [next])])
    const strays = sourceFiles(join(root, "src")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/@since (\S+)/g)]
        .map((match) => match[1] ?? "")
        .filter((since) => !allowed.has(since))
        .map((since) => `${file.slice(root.length)}: @since ${since}`)
    )
    expect(strays).toEqual([])
  })
})
