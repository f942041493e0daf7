/**
 * Benchmark 6: what the core entry costs before it does anything. Cold import time of the
 * built entry (`dist/index.js`) and its minified, gzipped bundle with `effect` included and
 * tree-shaken, each against a floor that imports only `effect`'s Schema and Effect and
 * `temporal-polyfill`.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { build } from "esbuild"
import type { Result } from "./measure.js"

const root = new URL("..", import.meta.url).pathname

const FLOOR = `import { Effect, Schema } from "effect"
import { Temporal } from "temporal-polyfill"
export { Effect, Schema, Temporal }
`

const gzippedBundleSize = async (entry: string) => {
  const output = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    write: false,
    absWorkingDir: root,
    logLevel: "silent"
  })
  return gzipSync(output.outputFiles[0]?.contents ?? new Uint8Array()).byteLength
}

/** Milliseconds to import `specifier` in a fresh Node process. */
const coldImport = (specifier: string) =>
  Number(
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const start = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - start)`
      ],
      { cwd: root, encoding: "utf8" }
    ).trim()
  )

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

export const startup = async (log: (line: string) => void): Promise<ReadonlyArray<Result>> => {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root
  })
  const floorDirectory = mkdtempSync(join(root, "bench/.floor-"))
  const floorEntry = join(floorDirectory, "floor.mjs")
  writeFileSync(floorEntry, FLOOR)
  const entryUrl = new URL("dist/index.js", `file://${root}`).href
  const floorUrl = new URL(`file://${floorEntry}`).href
  const library: Array<number> = []
  const floor: Array<number> = []
  for (let round = 0; round < 9; round++) {
    library.push(coldImport(entryUrl))
    floor.push(coldImport(floorUrl))
  }
  const libraryImport = median(library)
  const floorImport = median(floor)
  const librarySize = await gzippedBundleSize(join(root, "src/index.ts"))
  const floorSize = await gzippedBundleSize(floorEntry)
  execFileSync("rm", ["-rf", floorDirectory])
  log(`  cold import  core ${libraryImport.toFixed(1)} ms, floor ${floorImport.toFixed(1)} ms (median of 9)`)
  log(
    `  bundle       core ${(librarySize / 1024).toFixed(1)} KiB, floor ${(floorSize / 1024).toFixed(1)} KiB (minified, gzipped)`
  )
  const importRatio = libraryImport / floorImport
  const extraKiB = (librarySize - floorSize) / 1024
  return [
    {
      name: "6a. cold import of the core entry vs effect (Schema, Effect) and temporal-polyfill alone",
      value: Math.round(libraryImport * 10) / 10,
      unit: "ms",
      baseline: Math.round(floorImport * 10) / 10,
      ratio: Math.round(importRatio * 100) / 100,
      goal: "ratio ≤ 1.5",
      met: importRatio <= 1.5
    },
    {
      name: "6b. minified, gzipped bundle of the core entry vs the same floor",
      value: Math.round((librarySize / 1024) * 10) / 10,
      unit: "KiB",
      baseline: Math.round((floorSize / 1024) * 10) / 10,
      ratio: Math.round((librarySize / floorSize) * 100) / 100,
      goal: "value ≤ baseline + 40 KiB",
      met: extraKiB <= 40
    }
  ]
}
