/* eslint-disable @typescript-eslint/no-unsafe-return -- YAML manifests are untyped documents, checked field by field */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { sinkFactories } from '../../src/sinks/registry.js';
import { ROOT } from '../cli/run-cli.js';

/**
 * No cluster and no Docker here: the manifests are validated against the Kubernetes and
 * Prometheus Operator schemas (kubernetes-models), the Dockerfile is checked for what it
 * promises, and the config inside the ConfigMap is validated by ampstream itself.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked field by field
type Doc = any;
const K8S = join(ROOT, 'examples', 'kubernetes');
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d): Doc => d.toJSON());
const models: Record<string, (d: Doc) => { validate(): void }> = {
  Deployment: (d) => new Deployment(d),
  Service: (d) => new Service(d),
  Secret: (d) => new Secret(d),
  ConfigMap: (d) => new ConfigMap(d),
  ServiceMonitor: (d) => new ServiceMonitor(d),
};
const all = ['deployment.yaml', 'secret.yaml', 'configmap.yaml', 'servicemonitor.yaml'].flatMap(docs);
const ofKind = (kind: string): Doc => all.find((d: Doc): boolean => d.kind === kind);

describe('the Kubernetes example', () => {
  it('validates every manifest against its schema', () => {
    expect(all.map((d) => d.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Secret',
      'Service',
      'ServiceMonitor',
    ]);
    for (const d of all) {
      const model = models[d.kind as string];
      if (model === undefined) throw new Error(`no schema for ${String(d.kind)}`);
      expect(() => model(d).validate(), `${String(d.kind)} ${String(d.metadata?.name)}`).not.toThrow();
    }
  });

  it('would reject a manifest that breaks the schema', () => {
    const bad = structuredClone(ofKind('Deployment'));
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'nine';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort/);
  });

  it('runs one non-root replica with probes on /healthz, and the ServiceMonitor scrapes its Service', () => {
    const dep = ofKind('Deployment');
    expect(dep.spec.replicas).toBe(1);
    const pod = dep.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    const svc = ofKind('Service');
    const sm = ofKind('ServiceMonitor');
    expect(sm.spec.selector.matchLabels).toEqual(svc.metadata.labels);
    expect(svc.spec.ports.map((p: Doc) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(pod.volumes.find((v: Doc) => v.secret !== undefined).secret.secretName).toBe(
      ofKind('Secret').metadata.name,
    );
  });

  it('ships a config that ampstream accepts, with secrets as file references into the mounted Secret', () => {
    const text: string = ofKind('ConfigMap').data['ampstream.yaml'];
    const { config } = parseConfig(text, {
      path: '/etc/ampstream/ampstream.yaml',
      factories: sinkFactories,
      env: {},
    });
    expect(config.streams[0]?.amqp?.password).toBe('file:/run/secrets/ampstream/amqp-password');
    const secretKeys = Object.keys(ofKind('Secret').stringData as object);
    expect(secretKeys).toEqual(expect.arrayContaining(['amqp-password', 'hec-token']));
    expect(config.metrics.listen).toEqual({ host: '0.0.0.0', port: 9464 });
  });
});

describe('the Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.startsWith('#'));
  const stages = lines.filter((l) => l.startsWith('FROM '));

  it('is multi-stage on Node 20 and runs the final stage as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/^FROM node:20-/);
    const final = text.slice(text.lastIndexOf('\nFROM '));
    const user = /^USER (\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('checks health on /healthz and copies only paths that exist in the repository', () => {
    expect(text).toMatch(/HEALTHCHECK [\s\S]*\/healthz/);
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from='))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const p of parts) expect(existsSync(join(ROOT, p)), `${p} in "${l}"`).toBe(true);
    }
  });
});
