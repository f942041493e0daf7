/**
 * `npm start`: runs the reference host from JavaScript built ahead of time, with no
 * TypeScript loader at run time. The build (one esbuild bundle of src/host/main.ts, the
 * packages left as imports) is remade only when a source file is newer than it.
 */
import { readdirSync, renameSync, statSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build } from "esbuild"

const root = new URL("..", import.meta.url)
const bundle = fileURLToPath(new URL("node_modules/.cache/transfer-backfills/host/main.mjs", root))

const newestSource = () =>
  Math.max(
    ...readdirSync(new URL("src", root), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => statSync(new URL(`src/${file}`, root)).mtimeMs),
    statSync(new URL("package-lock.json", root)).mtimeMs
  )

const builtAt = () => {
  try {
    return statSync(bundle).mtimeMs
  } catch {
    return 0
  }
}

if (builtAt() < newestSource()) {
  // Written aside and renamed into place: hosts starting at once never import half a file.
  const aside = `${bundle}.${process.pid}`
  await build({
    entryPoints: [fileURLToPath(new URL("src/host/main.ts", root))],
    outfile: aside,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning"
  })
  renameSync(aside, bundle)
}
await import(pathToFileURL(bundle).href)
