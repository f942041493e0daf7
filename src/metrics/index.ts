/**
 * The library's metrics and the gauges' refresh, as one namespace (`BackfillMetrics`).
 */
export * from "./instruments.js"
export { recordBackfillGauges } from "./record.js"
