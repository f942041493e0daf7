/**
 * The soak's samples as a PNG: Vega-Lite, compiled to Vega, rendered to SVG and rasterised
 * with resvg, so the picture comes from a plotting library and not from hand-drawn lines.
 */
import { writeFileSync } from "node:fs"
import { Resvg } from "@resvg/resvg-js"
import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"

export interface SoakSample {
  readonly seconds: number
  readonly rssMiB: number
  readonly heapUsedMiB: number
  readonly loopDelayP50Ms: number
  readonly loopDelayP99Ms: number
  readonly loopDelayMaxMs: number
}

const panel = (title: string, unit: string, fields: Readonly<Record<string, string>>, warmUpSeconds: number) => ({
  title,
  width: 640,
  height: 180,
  layer: [
    {
      transform: [{ fold: Object.keys(fields), as: ["series", "value"] }],
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "seconds since the host started" },
        y: { field: "value", type: "quantitative", title: unit },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: Object.keys(fields) },
          legend: { labelExpr: `${JSON.stringify(fields)}[datum.label]` }
        }
      }
    },
    {
      data: { values: [{ seconds: warmUpSeconds }] },
      mark: { type: "rule", strokeDash: [4, 4], color: "gray" },
      encoding: { x: { field: "seconds", type: "quantitative" } }
    }
  ]
})

/** Writes the plot of `samples` to `path`; the dashed rule marks the end of the warm-up. */
export const plotSoak = async (samples: ReadonlyArray<SoakSample>, warmUpSeconds: number, path: string) => {
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values: samples },
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
    vconcat: [
      panel("Memory", "MiB", { rssMiB: "resident (RSS)", heapUsedMiB: "heap in use" }, warmUpSeconds),
      panel(
        "Event-loop delay over each 10 s",
        "ms",
        { loopDelayP50Ms: "p50", loopDelayP99Ms: "p99", loopDelayMaxMs: "max" },
        warmUpSeconds
      )
    ]
  } as TopLevelSpec
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" })
  const svg = await view.toSVG()
  writeFileSync(path, new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: 1.5 } }).render().asPng())
}
