import protobuf from 'protobufjs/light.js';
import type { ResultDocument } from '../result/schema.js';
import { classicBuckets, nativeHistogram } from './prometheus-histogram.js';
import {
  type Family,
  flatSamples,
  type Labels,
  type PrometheusExtras,
  type PrometheusModel,
  prometheusModel,
} from './prometheus-model.js';

/**
 * Prometheus's two protobuf formats, from the same families as the text exposition:
 * - the scrape exposition (io.prometheus.client.MetricFamily, length-delimited), which Prometheus
 *   asks for when native histograms are enabled: histograms carry classic buckets and native
 *   ones (schema, zero threshold, positive spans and deltas);
 * - the remote-write WriteRequest (prometheus.WriteRequest), snappy-compressed by the caller.
 * The messages are declared here from the public .proto files (client_model's metrics.proto,
 * prometheus's remote.proto and types.proto), only the fields squall writes.
 */

const root = protobuf.Root.fromJSON({
  nested: {
    client: {
      nested: {
        LabelPair: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Gauge: { fields: { value: { type: 'double', id: 1 } } },
        Counter: { fields: { value: { type: 'double', id: 1 } } },
        Quantile: { fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } } },
        Summary: {
          fields: {
            sampleCount: { type: 'uint64', id: 1 },
            sampleSum: { type: 'double', id: 2 },
            quantile: { rule: 'repeated', type: 'Quantile', id: 3 },
          },
        },
        Bucket: {
          fields: { cumulativeCount: { type: 'uint64', id: 1 }, upperBound: { type: 'double', id: 2 } },
        },
        BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
        Histogram: {
          fields: {
            sampleCount: { type: 'uint64', id: 1 },
            sampleSum: { type: 'double', id: 2 },
            bucket: { rule: 'repeated', type: 'Bucket', id: 3 },
            schema: { type: 'sint32', id: 5 },
            zeroThreshold: { type: 'double', id: 6 },
            zeroCount: { type: 'uint64', id: 7 },
            positiveSpan: { rule: 'repeated', type: 'BucketSpan', id: 12 },
            positiveDelta: { rule: 'repeated', type: 'sint64', id: 13 },
          },
        },
        Metric: {
          fields: {
            label: { rule: 'repeated', type: 'LabelPair', id: 1 },
            gauge: { type: 'Gauge', id: 2 },
            counter: { type: 'Counter', id: 3 },
            summary: { type: 'Summary', id: 4 },
            histogram: { type: 'Histogram', id: 7 },
          },
        },
        MetricFamily: {
          fields: {
            name: { type: 'string', id: 1 },
            help: { type: 'string', id: 2 },
            type: { type: 'int32', id: 3 },
            metric: { rule: 'repeated', type: 'Metric', id: 4 },
          },
        },
      },
    },
    rw: {
      nested: {
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metricFamilyName: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
          },
        },
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
      },
    },
  },
});

const MetricFamily = root.lookupType('client.MetricFamily');
const WriteRequest = root.lookupType('rw.WriteRequest');

/** What Prometheus sends in Accept when it wants the protobuf exposition. */
export const PROTOBUF_CONTENT_TYPE =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** Whether an Accept header asks for the delimited MetricFamily protobuf. */
export function acceptsProtobuf(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    return (
      type === 'application/vnd.google.protobuf' &&
      params.includes('proto=io.prometheus.client.metricfamily') &&
      params.includes('encoding=delimited')
    );
  });
}

/** client_model's MetricType. */
const EXPOSITION_TYPE = { counter: 0, gauge: 1, summary: 2, histogram: 4 } as const;

const labelPairs = (labels: Labels) => labels.map(([name, value]) => ({ name, value }));

function metricsOf(f: Family, common: Labels): object[] {
  if (f.type === 'histogram') {
    return f.histograms.map((h) => {
      const native = nativeHistogram(h.data);
      return {
        label: labelPairs([...h.labels, ...common]),
        histogram: {
          sampleCount: h.data.count,
          sampleSum: h.data.sum,
          // +Inf is implied in this format: the sample count.
          bucket: classicBuckets(h.data, h.bounds)
            .slice(0, -1)
            .map(([upperBound, cumulativeCount]) => ({ upperBound, cumulativeCount })),
          schema: native.schema,
          zeroThreshold: native.zeroThreshold,
          zeroCount: native.zeroCount,
          positiveSpan: native.spans,
          positiveDelta: native.deltas,
        },
      };
    });
  }
  if (f.type === 'summary') {
    const byLabels = new Map<string, { label: Labels; sum: number; count: number; quantile: object[] }>();
    for (const s of f.samples) {
      const own = s.labels.filter(([k]) => k !== 'quantile');
      const key = JSON.stringify(own);
      let m = byLabels.get(key);
      if (!m) {
        m = { label: own, sum: 0, count: 0, quantile: [] };
        byLabels.set(key, m);
      }
      if (s.suffix === '_sum') m.sum = s.value;
      else if (s.suffix === '_count') m.count = s.value;
      else
        m.quantile.push({ quantile: Number(s.labels.find(([k]) => k === 'quantile')![1]), value: s.value });
    }
    return [...byLabels.values()].map((m) => ({
      label: labelPairs([...m.label, ...common]),
      summary: { sampleCount: m.count, sampleSum: m.sum, quantile: m.quantile },
    }));
  }
  return f.samples.map((s) => ({
    label: labelPairs([...s.labels, ...common]),
    [f.type]: { value: s.value },
  }));
}

/** The scrape exposition: each MetricFamily prefixed by its length (varint). */
export function renderPrometheusProtobuf(doc: ResultDocument, extras: PrometheusExtras = {}): Buffer {
  const { families, common } = prometheusModel(doc, extras);
  const writer = protobuf.Writer.create();
  for (const f of families) {
    const message = MetricFamily.fromObject({
      name: f.name,
      help: f.help,
      type: EXPOSITION_TYPE[f.type],
      metric: metricsOf(f, common),
    });
    MetricFamily.encodeDelimited(message, writer);
  }
  return Buffer.from(writer.finish());
}

/** remote.proto's MetricMetadata.MetricType. */
const RW_TYPE = { counter: 1, gauge: 2, histogram: 3, summary: 5 } as const;

/**
 * A WriteRequest of every series at one timestamp (ms). Histograms go as classic `_bucket`,
 * `_sum` and `_count` series. Labels are sorted by name, `__name__` among them, as the
 * remote-write specification requires.
 */
export function encodeWriteRequest(model: PrometheusModel, timestampMs: number): Uint8Array {
  const timeseries: object[] = [];
  for (const f of model.families) {
    for (const s of flatSamples(f, model.common)) {
      const labels = [['__name__', s.name] as const, ...s.labels]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([name, value]) => ({ name, value }));
      timeseries.push({ labels, samples: [{ value: s.value, timestamp: timestampMs }] });
    }
  }
  const metadata = model.families.map((f) => ({
    type: RW_TYPE[f.type],
    metricFamilyName: f.name,
    help: f.help,
  }));
  return WriteRequest.encode(WriteRequest.fromObject({ timeseries, metadata })).finish();
}

/** Decoders for tests: what Prometheus itself would read. */
export const protobufTypes = { MetricFamily, WriteRequest };
