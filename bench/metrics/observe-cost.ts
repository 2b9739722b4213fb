import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { GatewayMetrics, type ServedRequest, TenantLabels } from '../../src/observability/index.js';
import { integerOption } from '../options.js';

/*
 * What counting one /v1 request costs: `GatewayMetrics.observe` for a mix of a plain
 * answer, a stream and a refusal, as the gateway calls it once per request. It prints
 * the CPU time per observation; run under callgrind with `--observations 0` and with
 * `--observations N`, the difference of the two counts over N is the instructions per
 * request (the gateway benchmark under callgrind needs an idle machine to start at all).
 * Options: --observations 300000  --warmup 100000  --tenants key
 */

const { values } = parseArgs({
  options: {
    observations: { type: 'string', default: '300000' },
    warmup: { type: 'string', default: '100000' },
    tenants: { type: 'string', default: 'none' },
  },
});
const observations = integerOption('observations', values.observations, 0, 100_000_000);
const warmup = integerOption('warmup', values.warmup, 0, 100_000_000);
const mode = values.tenants === 'key' || values.tenants === 'organization' ? values.tenants : 'none';

const plain: ServedRequest = {
  path: '/v1/chat/completions',
  modelId: 'llama-3.1-8b',
  organizationId: 'acme',
  keyId: 'key_01',
  status: 200,
  errorCode: null,
  streamed: false,
  promptTokens: 12,
  completionTokens: 40,
  durationMs: 8.4,
  firstByteMs: 8,
  upstreamWaitMs: 7.9,
  creditsChargedMicro: 92,
  creditsWrittenOffMicro: 0,
};
const mix: readonly ServedRequest[] = [
  plain,
  { ...plain, streamed: true, durationMs: 12.5, firstByteMs: 3 },
  { ...plain, status: 402, errorCode: 'insufficient_credits', upstreamWaitMs: null, firstByteMs: null },
];

const metrics = new GatewayMetrics(new Registry(), new TenantLabels(mode, 100));
for (let i = 0; i < warmup; i += 1) metrics.observe(mix[i % mix.length]!);
const before = process.cpuUsage();
for (let i = 0; i < observations; i += 1) metrics.observe(mix[i % mix.length]!);
const spent = process.cpuUsage(before);
if (observations > 0) {
  const nanoseconds = ((spent.user + spent.system) * 1000) / observations;
  console.log(`${observations} observations (tenant labels: ${mode}): ${nanoseconds.toFixed(0)} ns of CPU each`);
}
