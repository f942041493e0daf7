/**
 * `npm start`: runs the reference host from JavaScript built ahead of time, with no
 * TypeScript loader at run time. The build (one esbuild bundle of src/host/main.ts, the
 * packages left as imports) is remade only when a source file is newer than it.
 */
import { bundled } from "./bundle.mjs"

await import(await bundled("src/host/main.ts", "host/main", ["src"]))
