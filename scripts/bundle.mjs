/**
 * One esbuild bundle of a TypeScript entry, the packages left as imports, as the project's
 * own scripts run it: plain JavaScript for Node 20, without the TypeScript loader's
 * function-name wrappers (tsx's `keepNames`), which cost every closure a
 * `defineProperty` and are not there in what users run.
 */
import { readdirSync, renameSync, statSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build } from "esbuild"

const root = new URL("..", import.meta.url)

/** When the newest `.ts` file of `folders` (or the lock file) changed, in ms since the epoch. */
const newestSource = (folders) =>
  Math.max(
    ...folders.flatMap((folder) =>
      readdirSync(new URL(`${folder}/`, root), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => statSync(new URL(`${folder}/${file}`, root)).mtimeMs)
    ),
    statSync(new URL("package-lock.json", root)).mtimeMs
  )

const builtAt = (file) => {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/**
 * The URL of `entry` (a path from the project's root) bundled into
 * node_modules/.cache/transfer-backfills/`name`.mjs, remade only when a `.ts` file of
 * `folders` is newer. `import.meta.url` in the bundle is the entry's own, so paths the
 * entry's folder resolves from it stay where they were.
 */
export const bundled = async (entry, name, folders) => {
  const bundle = fileURLToPath(new URL(`node_modules/.cache/transfer-backfills/${name}.mjs`, root))
  const entryUrl = new URL(entry, root)
  if (builtAt(bundle) < newestSource(folders)) {
    // Written aside and renamed into place: processes starting at once never import half a file.
    const aside = `${bundle}.${process.pid}`
    await build({
      entryPoints: [fileURLToPath(entryUrl)],
      outfile: aside,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
      define: { "import.meta.url": JSON.stringify(entryUrl.href) }
    })
    renameSync(aside, bundle)
  }
  return pathToFileURL(bundle).href
}
