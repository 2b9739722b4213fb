import { fileURLToPath } from 'node:url';

/** The parts of V8's .cpuprofile format that the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  /** Microseconds on the monotonic clock, the one `process.hrtime` reads. */
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly where: string;
  readonly share: number;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  /** Share of samples in which the process was doing nothing. */
  readonly idleShare: number;
  readonly bySelf: readonly ProfileLine[];
  readonly byTotal: readonly ProfileLine[];
  readonly byArea: readonly ProfileLine[];
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path;
}

/** Where a frame's code lives: a folder of Commonweal's, an npm package, Node itself, or V8. */
function areaOf(url: string, functionName: string): string {
  const path = shortUrl(url);
  if (path === '') return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg !== null) return `npm:${pkg[1]}`;
  if (path.startsWith('node:')) return `node:${path.slice(5).split('/')[0]}`;
  const dist = /^dist\/src\/([^/]+)/.exec(path);
  return dist === null ? path : `src/${dist[1]}`;
}

function top(
  counts: Map<string, number>,
  total: number,
  count: number,
  split: (key: string) => [string, string],
): ProfileLine[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => {
      const [name, where] = split(key);
      return { name, where, share: n / total };
    });
}

/**
 * Self and total time per function, and self time per area, over the samples taken between
 * `fromMicros` and `toMicros` (monotonic clock), so start-up and warm-up are left out.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  fromMicros: number,
  toMicros: number,
  lines: number,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'}\t${url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const area = new Map<string, number>();
  let at = profile.startTime;
  let counted = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromMicros || at > toMicros) continue;
    const id = profile.samples[i]!;
    const frame = byId.get(id)!.callFrame;
    counted += 1;
    if (frame.functionName === '(idle)') {
      idle += 1;
      continue;
    }
    self.set(keyOf(id), (self.get(keyOf(id)) ?? 0) + 1);
    area.set(areaOf(frame.url, frame.functionName), (area.get(areaOf(frame.url, frame.functionName)) ?? 0) + 1);
    // A recursive function counts once per sample in its total.
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) seen.add(keyOf(node));
    for (const key of seen) total.set(key, (total.get(key) ?? 0) + 1);
  }
  const split = (key: string): [string, string] => key.split('\t') as [string, string];
  const busy = Math.max(1, counted - idle);
  total.delete('(root)\t');
  return {
    sampledMs: (toMicros - fromMicros) / 1000,
    idleShare: counted === 0 ? Number.NaN : idle / counted,
    bySelf: top(self, busy, lines, split),
    byTotal: top(total, busy, lines, split),
    byArea: top(area, busy, lines, (key) => [key, '']),
  };
}
