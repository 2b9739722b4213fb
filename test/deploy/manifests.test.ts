import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { serverConfigDefaults } from '../../src/config/index.js';

const run = promisify(execFile);
const deployDir = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const kustomizations = { base: 'kubernetes/base', production: 'kubernetes/overlays/production' } as const;

/** A Kubernetes object as the manifests spell it; the checks below read into it by path. */
type Manifest = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

async function render(path: string): Promise<Manifest[] | undefined> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', deployDir + path], { timeout: 60_000 });
    return parseAllDocuments(stdout).map((document) => document.toJS() as Manifest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function one(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name === undefined ? '' : ` ${name}`}`);
  return found[0]!;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** The container port a probe or Service names, by name or by number. */
function portNumber(container: any, port: string | number): number {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: { name?: string }) => p.name === port);
  assert.ok(named, `container ${container.name} has a port named ${port}`);
  return named.containerPort;
}

function checkPodSecurity(podSpec: any, what: string): void {
  assert.equal(podSpec.securityContext?.runAsNonRoot, true, `${what}: runAsNonRoot`);
  assert.ok(podSpec.securityContext?.runAsUser > 0, `${what}: a non-root uid`);
  for (const container of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
    const where = `${what}, container ${container.name}`;
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${where}: read-only root filesystem`);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${where}: no privilege escalation`);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], `${where}: drops every capability`);
    for (const bound of ['requests', 'limits'])
      for (const resource of ['cpu', 'memory'])
        assert.ok(container.resources?.[bound]?.[resource], `${where}: resources.${bound}.${resource}`);
  }
}

/** Every key of the Secret the manifests reference, wherever they reference it. */
function secretKeys(manifests: Manifest[]): Set<string> {
  const keys = new Set<string>();
  for (const manifest of manifests) {
    const podSpec = manifest.spec?.template?.spec;
    if (podSpec === undefined) continue;
    for (const container of [...(podSpec.initContainers ?? []), ...podSpec.containers])
      for (const variable of container.env ?? [])
        if (variable.valueFrom?.secretKeyRef) keys.add(variable.valueFrom.secretKeyRef.key);
    for (const volume of podSpec.volumes ?? []) for (const item of volume.secret?.items ?? []) keys.add(item.key);
  }
  return keys;
}

for (const [variant, path] of Object.entries(kustomizations)) {
  test(`the ${variant} Kubernetes manifests run the server as it expects`, async (t) => {
    const manifests = await render(path);
    if (manifests === undefined) {
      t.skip('kubectl is not installed: the manifests were not rendered');
      return;
    }
    const { port } = serverConfigDefaults;
    const deployment = one(manifests, 'Deployment');
    const podSpec = deployment.spec.template.spec;
    const podLabels = deployment.spec.template.metadata.labels;
    assert.ok(matches(deployment.spec.selector.matchLabels, podLabels), 'the Deployment selects its own pods');
    checkPodSecurity(podSpec, 'Deployment');
    const server = podSpec.containers.find((c: { name: string }) => c.name === 'commonweal');
    assert.ok(server, 'a container named commonweal');
    assert.deepEqual(server.args, ['serve']);
    assert.equal(portNumber(server, 'http'), port, "the container port is the server's default port");
    assert.equal(server.livenessProbe.httpGet.path, '/healthz');
    assert.equal(server.readinessProbe.httpGet.path, '/readyz');
    assert.equal(portNumber(server, server.livenessProbe.httpGet.port), port, 'liveness probes the server port');
    assert.equal(portNumber(server, server.readinessProbe.httpGet.port), port, 'readiness probes the server port');
    const env = Object.fromEntries(server.env.map((v: { name: string; value?: string }) => [v.name, v.value]));
    assert.equal(env.COMMONWEAL_HOST, '0.0.0.0', 'the server listens beyond the loopback address');
    assert.equal(Number(env.COMMONWEAL_PORT ?? port), port);
    const preStopSeconds = Number(server.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
    assert.ok(
      podSpec.terminationGracePeriodSeconds * 1000 > preStopSeconds * 1000 + serverConfigDefaults.http.drainTimeoutMs,
      'the grace period outlasts the preStop pause and the drain',
    );

    const service = one(manifests, 'Service');
    assert.ok(matches(service.spec.selector, podLabels), 'the Service selects the pods');
    const servicePort = service.spec.ports.find((p: { name: string }) => p.name === 'http');
    assert.equal(portNumber(server, servicePort.targetPort), port, 'the Service targets the server port');

    const hpa = one(manifests, 'HorizontalPodAutoscaler');
    assert.deepEqual(
      [hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name],
      ['Deployment', deployment.metadata.name],
    );
    assert.ok(hpa.spec.minReplicas >= 2, 'at least two replicas, so that a drain never empties the Service');
    const pdb = one(manifests, 'PodDisruptionBudget');
    assert.ok(matches(pdb.spec.selector.matchLabels, podLabels), 'the PodDisruptionBudget selects the pods');

    const job = one(manifests, 'Job');
    const jobSpec = job.spec.template.spec;
    assert.deepEqual(jobSpec.containers[0].args, ['migrate']);
    assert.equal(jobSpec.containers[0].image, server.image, 'the Job migrates with the image it deploys');
    checkPodSecurity(jobSpec, 'migration Job');
    assert.ok(!matches(pdb.spec.selector.matchLabels, job.spec.template.metadata.labels), 'the Job is no gateway pod');

    const policy = one(manifests, 'NetworkPolicy');
    assert.ok(matches(policy.spec.podSelector.matchLabels, podLabels), 'the NetworkPolicy applies to the pods');
    const allowed = policy.spec.ingress.flatMap((rule: { ports: { port: number }[] }) => rule.ports.map((p) => p.port));
    assert.deepEqual(allowed, [port]);

    const monitor = one(manifests, 'ServiceMonitor');
    assert.ok(matches(monitor.spec.selector.matchLabels, service.metadata.labels), 'it selects the Service');
    assert.deepEqual(
      monitor.spec.endpoints.map((e: { port: string; path: string }) => [e.port, e.path]),
      [['http', '/metrics']],
    );

    const readme = readFileSync(`${deployDir}kubernetes/README.md`, 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
    for (const key of secretKeys(manifests)) assert.ok(documented.has(key), `Secret key ${key} is documented`);
    assert.ok(secretKeys(manifests).size >= 4, 'the database URL, admin token and both keys come from the Secret');
  });
}

test('the Containerfile runs as a non-root user, exposes the default port and keeps data in a volume', () => {
  const text = readFileSync(`${deployDir}Containerfile`, 'utf8');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  assert.match(runtime, /^FROM node:20-bookworm-slim$/m);
  assert.match(runtime, /^USER 10001:10001$/m);
  assert.match(runtime, new RegExp(`^EXPOSE ${serverConfigDefaults.port}$`, 'm'));
  assert.match(runtime, /^VOLUME \/data$/m);
  assert.match(runtime, /COMMONWEAL_DATA_DIR=\/data/);
  assert.match(runtime, /^HEALTHCHECK .*\n.*\/healthz/m);
  assert.match(text, /npm ci --omit=dev \$omit/, 'the runtime dependencies leave out the dev ones');
  assert.match(text, /--omit=optional/, 'a build argument leaves out the embedded engine');
});

test('the systemd unit drains within its stop timeout and may write only its data directory', () => {
  const unit = readFileSync(`${deployDir}systemd/commonweal.service`, 'utf8');
  const setting = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(unit)?.[1];
  assert.equal(setting('User'), 'commonweal');
  assert.equal(setting('NoNewPrivileges'), 'yes');
  assert.equal(setting('ProtectSystem'), 'strict');
  assert.equal(setting('ReadWritePaths'), '/var/lib/commonweal');
  assert.match(unit, /^Environment=COMMONWEAL_DATA_DIR=\/var\/lib\/commonweal$/m);
  assert.equal(setting('KillSignal'), 'SIGTERM');
  assert.ok(Number(setting('TimeoutStopSec')) * 1000 > serverConfigDefaults.http.drainTimeoutMs);
  assert.equal(setting('MemoryDenyWriteExecute'), undefined, 'V8 needs memory it can write and run');
});
