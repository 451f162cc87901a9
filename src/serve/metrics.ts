// GET /metrics in Prometheus' text exposition format (version 0.0.4): counters, gauges and
// histograms with labels. A few dozen lines do what the server needs, so the package keeps no
// runtime dependency for it.

type Labels = Record<string, string>;

const labelText = (l: Labels) => {
  const keys = Object.keys(l);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${l[k].replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
};

const num = (x: number) => (x === Infinity ? '+Inf' : Number.isInteger(x) ? String(x) : x.toPrecision(9).replace(/\.?0+$/, ''));

interface Metric { name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; render(): string[] }

class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelText(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${num(v)}`);
  }
}

class Gauge implements Metric {
  readonly type = 'gauge';
  constructor(readonly name: string, readonly help: string, private readonly read: () => number) {}
  render(): string[] { return [`${this.name} ${num(this.read())}`]; }
}

class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number; labels: Labels }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}
  observe(value: number, labels: Labels = {}): void {
    const k = labelText(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0, labels }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(le) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`, `${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Powers of two from 1 to `max`: the buckets for sizes (inputs per batch, tokens). */
const powersOfTwo = (max: number) => Array.from({ length: Math.floor(Math.log2(max)) + 1 }, (_, i) => 2 ** i);

/** Seconds from 1 ms to 60 s, for latencies. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render()].join('\n')).join('\n') + '\n';
  }
}

/** The server's metrics, named albert_serve_*. */
export function serverMetrics(read: { queueSize: () => number; inFlight: () => number }) {
  const r = new Registry();
  return {
    registry: r,
    requests: r.add(new Counter('albert_serve_requests_total', 'HTTP requests answered, by route and status')),
    queueSize: r.add(new Gauge('albert_serve_queue_size', 'inputs waiting for a worker', read.queueSize)),
    inFlight: r.add(new Gauge('albert_serve_requests_in_flight', 'inference requests admitted and not yet answered', read.inFlight)),
    batchSize: r.add(new Histogram('albert_serve_batch_size', 'inputs per batch a worker ran', powersOfTwo(1024))),
    batchTokens: r.add(new Histogram('albert_serve_batch_tokens', 'padded tokens per batch (rows x longest)', powersOfTwo(1 << 20))),
    tokens: r.add(new Counter('albert_serve_tokens_total', 'tokens of the inputs processed')),
    inputLength: r.add(new Histogram('albert_serve_input_length', 'tokens per input', powersOfTwo(8192))),
    duration: r.add(new Histogram('albert_serve_request_duration_seconds', 'time from request to response, by route', LATENCY_BUCKETS)),
    tokenization: r.add(new Histogram('albert_serve_tokenization_duration_seconds', 'time tokenizing a request', LATENCY_BUCKETS)),
    queue: r.add(new Histogram('albert_serve_queue_duration_seconds', 'time an input waited for a worker', LATENCY_BUCKETS)),
    inference: r.add(new Histogram('albert_serve_inference_duration_seconds', 'time a worker spent on a batch', LATENCY_BUCKETS)),
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;
