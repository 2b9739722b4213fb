import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { startTempPlatform } from '../helpers/temp-platform.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const histogramSuffixes = /_(bucket|sum|count)$/;

/** The metric names of docs/metrics.md's table; a name ending in `_*` stands for a family prefix. */
function documentedNames(): string[] {
  const doc = readFileSync(join(root, 'docs/metrics.md'), 'utf8');
  return doc
    .split('\n')
    .map((line) => /^\| `([a-z_:*]+)` \|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Every metric name a panel of the Grafana dashboard queries. */
function dashboardNames(): string[] {
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/commonweal-dashboard.json'), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  const names = new Set<string>();
  for (const panel of dashboard.panels)
    for (const target of panel.targets ?? []) {
      // A query names labels too, in `by (…)` and `{…}`; those are not metrics.
      const expr = target.expr.replace(/\b(?:by|without)\s*\([^)]*\)/g, '').replace(/\{[^}]*\}/g, '');
      for (const [name] of expr.matchAll(/\b(?:gen_ai|commonweal|process|nodejs)_[a-z_]+\b/g)) names.add(name);
    }
  return [...names];
}

test('docs/metrics.md, the Grafana dashboard and a real scrape name the same metrics', async () => {
  const platform = await startTempPlatform();
  let families: Map<string, string>;
  try {
    const answer = await fetch(platform.metricsUrl!);
    families = new Map(parsePrometheusText(await answer.text()).types);
  } finally {
    await platform.dispose();
  }
  const documented = documentedNames();
  const prefixes = documented.filter((name) => name.endsWith('_*')).map((name) => name.slice(0, -1));
  const exact = documented.filter((name) => !name.endsWith('_*'));
  assert.ok(exact.length >= 20, `docs/metrics.md documents ${exact.length} metrics`);
  for (const name of exact) assert.ok(families.has(name), `docs/metrics.md names ${name}, which no scrape has`);
  for (const prefix of prefixes)
    assert.ok(
      [...families.keys()].some((name) => name.startsWith(prefix)),
      `no scraped metric starts with ${prefix}`,
    );
  for (const name of families.keys())
    assert.ok(
      exact.includes(name) || prefixes.some((prefix) => name.startsWith(prefix)),
      `${name} is scraped but not documented in docs/metrics.md`,
    );
  const queried = dashboardNames();
  assert.ok(queried.length >= 20, `the dashboard queries ${queried.length} metrics`);
  for (const name of queried) {
    const family = families.has(name) ? name : name.replace(histogramSuffixes, '');
    assert.ok(families.has(family), `the dashboard queries ${name}, which no scrape has`);
    if (family !== name) assert.equal(families.get(family), 'histogram', `${name} is not a series of a histogram`);
  }
  for (const name of exact.filter((n) => n.startsWith('commonweal_') || n.startsWith('gen_ai_')))
    assert.ok(
      queried.some((q) => q === name || q.replace(histogramSuffixes, '') === name),
      `the dashboard shows nothing of ${name}`,
    );
});
