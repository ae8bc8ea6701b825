/* eslint-disable @typescript-eslint/no-unsafe-return -- YAML manifests are untyped documents, checked field by field */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import { ROOT } from '../cli/run-cli.js';

/** The replicas example (examples/kubernetes/fleet): schemas, and the config ampstream itself accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked field by field
type Doc = any;
const DIR = join(ROOT, 'examples', 'kubernetes', 'fleet');
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d): Doc => d.toJSON());
const models: Record<string, (d: Doc) => { validate(): void }> = {
  Deployment: (d) => new Deployment(d),
  StatefulSet: (d) => new StatefulSet(d),
  Service: (d) => new Service(d),
  Secret: (d) => new Secret(d),
  ConfigMap: (d) => new ConfigMap(d),
};
const all = ['deployment.yaml', 'configmap.yaml', 'secret.yaml', 'postgres.yaml'].flatMap(docs);
const named = (kind: string, name: string): Doc =>
  all.find((d: Doc): boolean => d.kind === kind && d.metadata.name === name);

describe('the Kubernetes example for replicas', () => {
  it('validates every manifest against its schema', () => {
    for (const d of all) {
      const model = models[d.kind as string];
      if (model === undefined) throw new Error(`no schema for ${String(d.kind)}`);
      expect(() => model(d).validate(), `${String(d.kind)} ${String(d.metadata?.name)}`).not.toThrow();
    }
    expect(all.map((d) => d.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Secret',
      'Secret',
      'Service',
      'Service',
      'StatefulSet',
    ]);
  });

  it('runs several non-root replicas spread over nodes, with /healthz probes, mounting the fleet config and secrets', () => {
    const dep = named('Deployment', 'ampstream');
    expect(dep.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = dep.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.containers[0].livenessProbe.httpGet.path).toBe('/healthz');
    expect(pod.volumes.find((v: Doc) => v.configMap !== undefined).configMap.name).toBe(
      'ampstream-fleet-config',
    );
    expect(pod.volumes.find((v: Doc) => v.secret !== undefined).secret.secretName).toBe(
      'ampstream-fleet-secrets',
    );
  });

  it('ships a config that ampstream accepts, with leases and dedup in PostgreSQL, every secret a file in the mounted Secret', () => {
    const text: string = named('ConfigMap', 'ampstream-fleet-config').data['ampstream.yaml'];
    const { config } = parseConfig(text, {
      path: '/etc/ampstream/ampstream.yaml',
      factories: sinkFactories,
      env: {},
    });
    expect(config.replicas).toMatchObject({
      store: 'postgres',
      url: 'file:/run/secrets/ampstream/postgres-url',
    });
    expect(config.dedup).toMatchObject({ enabled: true, store: 'postgres' });
    const keys = Object.keys(named('Secret', 'ampstream-fleet-secrets').stringData as object);
    const refs = [...text.matchAll(/file:\/run\/secrets\/ampstream\/([\w-]+)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(keys).toEqual(expect.arrayContaining(refs));
  });

  it('points the PostgreSQL URL at the Service of the PostgreSQL it ships', () => {
    const url = new URL(named('Secret', 'ampstream-fleet-secrets').stringData['postgres-url'] as string);
    const svc = named('Service', 'ampstream-postgres');
    expect(url.hostname).toBe(svc.metadata.name);
    expect(Number(url.port)).toBe(svc.spec.ports[0].port);
    const sts = named('StatefulSet', 'ampstream-postgres');
    expect(svc.spec.selector).toEqual(sts.spec.template.metadata.labels);
  });
});
