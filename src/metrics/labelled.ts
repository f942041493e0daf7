/**
 * Metrics whose keys carry all their labels. Effect resolves such a metric's registry
 * entry once; a metric tagged with `Metric.tagged` builds a new label list and looks its
 * entry up again, hashing its key, on every update: on a request's path, a measurable
 * share of its CPU.
 */
import { Metric, MetricKey, type MetricKeyType, MetricLabel } from "effect"

type AnyKeyType = MetricKeyType.MetricKeyType<number, unknown>
type MetricOf<Type extends AnyKeyType> = Metric.Metric<
  Type,
  MetricKeyType.MetricKeyType.InType<Type>,
  MetricKeyType.MetricKeyType.OutType<Type>
>

interface Made {
  readonly key: MetricKey.MetricKey<AnyKeyType>
  readonly labels: Readonly<Record<string, string>>
  readonly variants: Map<string, unknown>
}

const made = new WeakMap<object, Made>()

const labelsOf = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels).map(([name, value]) => MetricLabel.make(name, value))

/** The metric of `key` with `labels`, resolved once. */
export const withLabels = <Type extends AnyKeyType>(
  key: MetricKey.MetricKey<Type>,
  labels: Readonly<Record<string, string>>
): MetricOf<Type> => {
  const metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labelsOf(labels)))
  made.set(metric, { key, labels, variants: new Map() })
  return metric
}

/**
 * `metric` (made by `withLabels`) with `more` labels besides its own: the same series as
 * `Metric.tagged` gives, made once per set of values and reused.
 */
export const labelledWith = <Type extends AnyKeyType>(
  metric: MetricOf<Type>,
  more: Readonly<Record<string, string>>
): MetricOf<Type> => {
  const origin = made.get(metric)
  if (origin === undefined) throw new TypeError("labelledWith takes a metric made by withLabels")
  const id = Object.entries(more).flat().join("\u0000")
  const known = origin.variants.get(id)
  if (known !== undefined) return known as MetricOf<Type>
  const key = origin.key as MetricKey.MetricKey<Type>
  const variant = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labelsOf({ ...origin.labels, ...more })))
  origin.variants.set(id, variant)
  return variant
}
