import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, DeploymentWithSecret } from '../catalog/index.js';
import { serverConfigDefaults } from '../config/index.js';
import { createEngine, type Engine } from '../engines/index.js';
import { gatewayOptions } from '../gateway-options.js';
import { DeploymentRegistry } from './deployment-registry.js';

const defaults = gatewayOptions(serverConfigDefaults.gateway);
const engineSettings = { openai: defaults.upstream, embedded: null };
const statsOptions = { breaker: defaults.breaker };

function item(
  id: string,
  changes: Partial<Deployment> = {},
  upstreamApiKey: string | null = null,
): DeploymentWithSecret {
  const deployment: Deployment = {
    object: 'deployment',
    id,
    modelId: 'llama',
    siteId: 'site-1',
    kind: 'openai',
    baseUrl: 'http://127.0.0.1:9/v1',
    source: null,
    engineOptions: null,
    upstreamModel: null,
    hasUpstreamApiKey: upstreamApiKey !== null,
    weight: 100,
    enabled: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...changes,
  };
  return { deployment, upstreamApiKey };
}

/** Builds real engines and remembers which ones it built and which were closed. */
function trackingFactory(): { create: (i: DeploymentWithSecret) => Engine; built: Engine[]; closed: Set<Engine> } {
  const built: Engine[] = [];
  const closed = new Set<Engine>();
  const create = (i: DeploymentWithSecret): Engine => {
    const engine = createEngine(i, engineSettings);
    const close = engine.close.bind(engine);
    const tracked: Engine = {
      send: (call) => engine.send(call),
      probe: (signal) => engine.probe(signal),
      close: async () => {
        closed.add(tracked);
        await close();
      },
    };
    built.push(tracked);
    return tracked;
  };
  return { create, built, closed };
}

describe('DeploymentRegistry', () => {
  it('indexes deployments by id and by model', async () => {
    const registry = new DeploymentRegistry((i) => createEngine(i, engineSettings), statsOptions);
    const problems = registry.load([item('a'), item('b'), item('c', { modelId: 'qwen' })]);
    assert.deepEqual(problems, []);
    assert.equal(registry.get('a')?.deployment.id, 'a');
    assert.deepEqual(
      registry.forModel('llama').map((r) => r.deployment.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      registry.forModel('qwen').map((r) => r.deployment.id),
      ['c'],
    );
    assert.deepEqual(registry.forModel('none'), []);
    assert.equal(registry.all().length, 3);
    await registry.close();
    assert.equal(registry.all().length, 0);
  });

  it('keeps the engine and statistics of a deployment whose connection is unchanged', async () => {
    const factory = trackingFactory();
    const registry = new DeploymentRegistry(factory.create, statsOptions);
    registry.load([item('a')]);
    const before = registry.get('a');
    before?.stats.onStart();
    registry.load([item('a', { weight: 500, enabled: false })]);
    const afterReload = registry.get('a');
    assert.equal(afterReload?.engine, before?.engine);
    assert.equal(afterReload?.stats, before?.stats);
    assert.equal(afterReload?.deployment.weight, 500);
    assert.equal(factory.built.length, 1);
    await registry.close();
  });

  it('replaces and closes the engine when the base URL or key changes, and closes removed ones', async () => {
    const factory = trackingFactory();
    const registry = new DeploymentRegistry(factory.create, statsOptions);
    registry.load([item('a'), item('b')]);
    const [oldA, oldB] = factory.built;
    registry.load([item('a', {}, 'sk-new')]);
    assert.notEqual(registry.get('a')?.engine, oldA);
    assert.equal(registry.get('b'), undefined);
    assert.ok(factory.closed.has(oldA!));
    assert.ok(factory.closed.has(oldB!));
    await registry.close();
    assert.equal(factory.closed.size, 3);
  });

  it('reports deployments whose engine cannot be built and loads the rest', async () => {
    const registry = new DeploymentRegistry((i) => createEngine(i, engineSettings), statsOptions);
    const problems = registry.load([
      item('ok'),
      item('no-url', { baseUrl: null }),
      item('bad-url', { baseUrl: 'ftp://x' }),
    ]);
    assert.deepEqual(
      problems.map((p) => p.deploymentId),
      ['no-url', 'bad-url'],
    );
    assert.deepEqual(
      registry.all().map((r) => r.deployment.id),
      ['ok'],
    );
    await registry.close();
  });
});
