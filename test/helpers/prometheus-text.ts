/** One sample line of a Prometheus text exposition. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusScrape {
  readonly samples: readonly PrometheusSample[];
  /** Each metric family's type, from its `# TYPE` line. */
  readonly types: ReadonlyMap<string, string>;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the Prometheus text format (version 0.0.4) independently of prom-client, which
 * writes it but has no parser: a test reads the scrape as Prometheus would.
 */
export function parsePrometheusText(text: string): PrometheusScrape {
  const samples: PrometheusSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type !== null) types.set(type[1]!, type[2]!);
      continue;
    }
    const match = sampleLine.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(labelPair))
      labels[name!] = value!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]!.toLowerCase() === 'nan' ? Number.NaN : match[3]) });
  }
  return { samples, types };
}

/** The sum of the samples `name` whose labels include `labels`; undefined when none matches. */
export function sampleSum(
  scrape: PrometheusScrape,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let sum: number | undefined;
  for (const sample of scrape.samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(labels).every(([key, value]) => (sample.labels[key] ?? '') === value)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}
