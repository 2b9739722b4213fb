import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolicyEngine, PolicySnapshot, simulatePolicyChange, applyPolicyChange } from '../../src/policy/index.js';
import { Balancer, DeploymentStats } from '../../src/routing/index.js';
import { version } from '../../src/version.js';
import { type PlatformSize, type SyntheticPlatform, syntheticPlatform } from './synthetic-platform.js';

/*
 * `npm run bench:policy`: how fast policy decides, on a platform of the size the issue
 * names, and what it adds to each request on the gateway's hot path. Every loop has a
 * fixed count; the report gives medians over rounds.
 */

const size: PlatformSize = {
  organizations: 1_000,
  models: 100,
  deployments: 500,
  rules: 200,
  sites: 120,
  customGroups: 50,
  projectPolicies: 200,
};
const rounds = 5;
const breaker = { failuresMax: 5, openMs: 10_000 };
const coldDecisions = 20_000;
const warmDecisions = 2_000_000;
const hotPathRequests = 1_000_000;
const resultsDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

interface Subject {
  readonly organizationId: string;
  readonly projectId: string;
  readonly modelId: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `body` once per round and returns the median duration in milliseconds. */
function timeMs(body: () => void): number {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    body();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

/** Request subjects drawn evenly over organizations, their projects with policies and models. */
function subjects(platform: SyntheticPlatform, count: number): Subject[] {
  return Array.from({ length: count }, (_, i) => {
    const withProject = i % 10 === 0 && platform.projects.length > 0;
    const [organizationId, projectId] = withProject
      ? platform.projects[i % platform.projects.length]!
      : [platform.organizations[(i * 7919) % platform.organizations.length]!.id, 'main'];
    return { organizationId, projectId, modelId: platform.models[(i * 104_729) % platform.models.length]!.id };
  });
}

function loadedEngine(platform: SyntheticPlatform): PolicyEngine {
  const engine = new PolicyEngine('open');
  engine.useState(platform.state, platform.organizations);
  engine.useCatalog(platform);
  return engine;
}

function measureDecisions(platform: SyntheticPlatform) {
  const snapshotMs = timeMs(() => void new PolicySnapshot(platform.state, platform.organizations, 'open'));
  const engine = loadedEngine(platform);
  const cold = subjects(platform, coldDecisions);
  const coldMs = timeMs(() => {
    for (const s of cold) engine.evaluate(engine.snapshot, s.organizationId, s.projectId, s.modelId);
  });
  let served = 0;
  const everyPairMs = timeMs(() => {
    engine.useCatalog(platform);
    served = 0;
    for (const organization of platform.organizations) {
      for (const model of platform.models) if (!engine.decide(organization.id, 'main', model.id).denied) served += 1;
    }
  });
  const cacheBytes = cachedDecisionsHeap(platform);
  const warm = subjects(platform, 65_536);
  for (const s of warm) engine.decide(s.organizationId, s.projectId, s.modelId);
  const warmMs = timeMs(() => {
    for (let i = 0; i < warmDecisions; i++) {
      const s = warm[i & 65_535]!;
      engine.decide(s.organizationId, s.projectId, s.modelId);
    }
  });
  return { snapshotMs, coldMs, everyPairMs, served, warmMs, cacheBytes, engine };
}

/** The heap that caching every organization × model decision takes (run with --expose-gc for a clean reading). */
function cachedDecisionsHeap(platform: SyntheticPlatform): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const engine = loadedEngine(platform);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (const organization of platform.organizations)
    for (const model of platform.models) engine.decide(organization.id, 'main', model.id);
  gc?.();
  const bytes = process.memoryUsage().heapUsed - before;
  // Used after the collection, so that the engine and its cache are still alive during it.
  return engine.version >= 0 ? bytes : Number.NaN;
}

/** What the gateway does per request with policy (decide, then pick with `accepts`) and without (pick alone). */
function measureHotPath(platform: SyntheticPlatform, engine: PolicyEngine) {
  const byModel = new Map(
    platform.models.map((m) => [
      m.id,
      platform.deployments
        .filter((d) => d.modelId === m.id)
        .map((d) => ({
          deployment: { id: d.id, weight: 100, enabled: d.enabled },
          stats: new DeploymentStats({ breaker }),
        })),
    ]),
  );
  const requests = subjects(platform, 65_536);
  const balancer = new Balancer();
  const tried = new Set<string>();
  let picked = 0;
  const withoutMs = timeMs(() => {
    for (let i = 0; i < hotPathRequests; i++) {
      const s = requests[i & 65_535]!;
      if (balancer.pick(byModel.get(s.modelId)!, tried) !== undefined) picked += 1;
    }
  });
  const withMs = timeMs(() => {
    for (let i = 0; i < hotPathRequests; i++) {
      const s = requests[i & 65_535]!;
      const decision = engine.decide(s.organizationId, s.projectId, s.modelId);
      if (!decision.denied && balancer.pick(byModel.get(s.modelId)!, tried, decision.accepts) !== undefined)
        picked += 1;
    }
  });
  return { withoutMs, withMs, picked };
}

async function measureSimulation(platform: SyntheticPlatform, engine: PolicyEngine) {
  const change = {
    kind: 'rule' as const,
    rule: {
      id: 'bench-rule',
      effect: 'deny' as const,
      match: { modelTags: { in: ['frontier'] }, organizationJurisdictions: { notIn: ['G7'] } },
      reason: 'bench',
      reference: null,
    },
  };
  const samples: number[] = [];
  let losing = 0;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    const current = engine.snapshot;
    const applied = applyPolicyChange(current.state, change, {
      version: current.version + 1,
      at: new Date().toISOString(),
    });
    const proposed = new PolicySnapshot(applied.state, platform.organizations, 'open');
    losing = (await simulatePolicyChange(engine, change, current, proposed)).counts.losing;
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: median(samples), losing };
}

/** The gateway benchmark's CPU per non-streamed request, if its report is there, to put the policy's cost in proportion. */
function gatewayCpuMicrosPerRequest(): number | undefined {
  try {
    const report = readFileSync(join(resultsDir, 'gateway.md'), 'utf8');
    // The row after the header whose third column is Commonweal's CPU per request.
    const table = report.slice(Math.max(0, report.indexOf('| C CPU µs/req |')));
    const row = /^\| chat, non-streaming \| ([\d,]+) \| ([\d,]+) \|/m.exec(table);
    return row === null ? undefined : Number(row[2]!.replaceAll(',', ''));
  } catch {
    return undefined;
  }
}

const fixed = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function report(platform: SyntheticPlatform): Promise<string> {
  const decisions = measureDecisions(platform);
  const hot = measureHotPath(platform, decisions.engine);
  const simulation = await measureSimulation(platform, decisions.engine);
  const pairs = platform.organizations.length * platform.models.length;
  const addedNs = ((hot.withMs - hot.withoutMs) * 1e6) / hotPathRequests;
  const gatewayCpu = gatewayCpuMicrosPerRequest();
  const share =
    gatewayCpu === undefined
      ? 'n/a (no bench/results/gateway.md)'
      : `${fixed((addedNs / 1000 / gatewayCpu) * 100, 3)}% of the gateway's ${gatewayCpu} µs CPU per request`;
  const cpu = cpus()[0]?.model ?? 'unknown';
  return [
    '# Policy benchmark',
    '',
    `Written by \`npm run bench:policy\`. Medians of ${rounds} rounds; one run on the machine below.`,
    '',
    `| CPU | cores | Node | commonweal | kernel | date | load average at the end (1 min) |`,
    '| --- | ---: | --- | --- | --- | --- | ---: |',
    `| ${cpu} | ${cpus().length} | ${process.version} | ${version} | ${release()} | ${new Date().toISOString()} | ${fixed(loadavg()[0]!, 2)} |`,
    '',
    'Other processes on the machine (a load average near or above the core count) slow every figure; rerun on a quiet machine to compare.',
    '',
    '## Platform',
    '',
    `${size.organizations} organizations (${platform.state.organizationPolicies.size} with a stored policy, the rest on the open default), ${size.projectPolicies} projects with a policy of their own, ` +
      `${size.models} models, ${size.deployments} deployments at ${size.sites} sites, ${size.rules} rules, ${size.customGroups} operator groups (some nested) besides the built-in ones. Generated from a fixed seed; ` +
      `${fixed((decisions.served / pairs) * 100, 0)}% of organization × model pairs are served, the rest refused by a policy or a rule.`,
    '',
    '## Results',
    '',
    '| what | measured |',
    '| --- | ---: |',
    `| compile a policy version (groups, ${size.organizations} organization and ${size.projectPolicies} project policies, ${size.rules} rules) | ${fixed(decisions.snapshotMs, 2)} ms |`,
    `| decisions per second, uncached (explain, simulate, first request after a change) | ${fixed(coldDecisions / (decisions.coldMs / 1000), 0)} /s (${fixed((decisions.coldMs * 1000) / coldDecisions, 2)} µs each) |`,
    `| decide every organization × model (${pairs.toLocaleString('en-US')} pairs) from an empty cache | ${fixed(decisions.everyPairMs, 0)} ms (${fixed(pairs / (decisions.everyPairMs / 1000), 0)} /s) |`,
    `| decisions per second, cached (the hot path) | ${fixed(warmDecisions / (decisions.warmMs / 1000), 0)} /s (${fixed((decisions.warmMs * 1e6) / warmDecisions, 0)} ns each) |`,
    `| heap held by the ${pairs.toLocaleString('en-US')} cached decisions | ${fixed(decisions.cacheBytes / 1024 / 1024, 1)} MiB |`,
    `| balancer pick per request without policy | ${fixed((hot.withoutMs * 1e6) / hotPathRequests, 0)} ns |`,
    `| decide + pick with \`accepts\` per request | ${fixed((hot.withMs * 1e6) / hotPathRequests, 0)} ns |`,
    `| **added by policy per request** | **${fixed(addedNs, 0)} ns**: ${share} |`,
    `| simulate a rule change over every organization × model | ${fixed(simulation.ms, 0)} ms (${simulation.losing} organization × model pairs would lose service) |`,
    '',
    'Target from the issue: no measurable throughput loss (< 5%). The hot path reads a cached decision (two map lookups) and',
    'the balancer calls `accepts` (one set lookup) for each candidate; a decision is computed at most once per organization (or',
    'project with its own policy) × model per policy and catalog version. The gateway benchmark (`bench/gateway/`, another',
    "engineer's) runs the whole server with policy on; a policy-off run of it is not part of this report.",
    '',
  ].join('\n');
}

const platform = syntheticPlatform(size);
const text = await report(platform);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'policy.md'), text);
console.log(text);
