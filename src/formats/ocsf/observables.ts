/**
 * OCSF `observables[]` (base_event, recommended): `{name, type_id, type, value}` where `name`
 * points at the attribute in the event (`device.hostname`, `evidences.file.hashes.value`) and
 * `type_id` is the observable number of the attribute's scalar type (dictionary.json `types`:
 * Hostname 1, IP Address 2, MAC Address 3, User Name 4, URL String 6, File Name 7, Hash 8,
 * Process Name 9). Built from the record already mapped, so it only lists what the record holds;
 * duplicates (same type and value) are listed once.
 */
type Out = Record<string, unknown>;

const TYPES = {
  hostname: [1, 'Hostname'],
  ip: [2, 'IP Address'],
  mac: [3, 'MAC Address'],
  user: [4, 'User Name'],
  url: [6, 'URL String'],
  fileName: [7, 'File Name'],
  hash: [8, 'Hash'],
  processName: [9, 'Process Name'],
} as const;

type Kind = keyof typeof TYPES;

/**
 * Duplicates are found by a linear scan of the list (a record has ~10 observables): no Set and
 * no `type_id + value` key string per observable.
 */
class Collector {
  readonly list: Out[] = [];
  add(name: string, kind: Kind, value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) return;
    const [typeId, type] = TYPES[kind];
    for (const o of this.list) if (o['type_id'] === typeId && o['value'] === value) return;
    this.list.push({ name, type_id: typeId, type, value });
  }
}

function asObj(v: unknown): Out | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Out) : undefined;
}

function asList(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The observable names of a file under `prefix`, built once. */
interface FileNames {
  readonly name: string;
  readonly hash: string;
}

function fileNames(prefix: string): FileNames {
  return { name: `${prefix}.name`, hash: `${prefix}.hashes.value` };
}

const EVIDENCE_FILE = fileNames('evidences.file');
const EVIDENCE_PROCESS_FILE = fileNames('evidences.process.file');

function addFile(c: Collector, names: FileNames, file: Out | undefined): void {
  if (file === undefined) return;
  const hashes = asList(file['hashes']);
  // a file Cisco named only by its hash (objects.ts) has no file-name observable
  const name = file['name'];
  if (!hashes.some((h) => asObj(h)?.['value'] === name)) c.add(names.name, 'fileName', name);
  for (const h of hashes) c.add(names.hash, 'hash', asObj(h)?.['value']);
}

export function observablesOf(record: Out): Out[] | undefined {
  const c = new Collector();
  const device = asObj(record['device']);
  c.add('device.hostname', 'hostname', device?.['hostname']);
  c.add('device.ip', 'ip', device?.['ip']);
  c.add('device.mac', 'mac', device?.['mac']);
  for (const nic of asList(device?.['network_interfaces'])) {
    c.add('device.network_interfaces.ip', 'ip', asObj(nic)?.['ip']);
    c.add('device.network_interfaces.mac', 'mac', asObj(nic)?.['mac']);
  }
  c.add('device.owner.name', 'user', asObj(device?.['owner'])?.['name']);
  for (const raw of asList(record['evidences'])) {
    const ev = asObj(raw);
    addFile(c, EVIDENCE_FILE, asObj(ev?.['file']));
    const proc = asObj(ev?.['process']);
    c.add('evidences.process.name', 'processName', proc?.['name']);
    addFile(c, EVIDENCE_PROCESS_FILE, asObj(proc?.['file']));
    c.add('evidences.src_endpoint.ip', 'ip', asObj(ev?.['src_endpoint'])?.['ip']);
    c.add('evidences.dst_endpoint.ip', 'ip', asObj(ev?.['dst_endpoint'])?.['ip']);
    c.add('evidences.url.url_string', 'url', asObj(ev?.['url'])?.['url_string']);
  }
  return c.list.length > 0 ? c.list : undefined;
}
