/**
 * `npm run bench`: the benchmarks (bench/run.ts) run as users run the library, compiled
 * JavaScript without a TypeScript loader, and their floors alike. The arguments go on to
 * bench/run.ts (`npm run bench -- 5 8`).
 */
import { bundled } from "./bundle.mjs"

await import(await bundled("bench/run.ts", "bench/run", ["src", "bench"]))
