/**
 * The bench's own event set (`--events bench`): realistic Secure Endpoint events of ~1.45 KB,
 * the size docs/bench.md's reference figures were measured with. The default set is the
 * emulator's generator (emulator-events.ts).
 *
 * Shapes follow docs/secure-endpoint-api.md §4.4 (E1 Threat Detected, E2 Threat Quarantined,
 * E3 Quarantine Failure, E4 Executed malware, E5 Cloud IOC, E6 Vulnerable Application, E7
 * Retrospective Detection, E8 Policy Update, E9 Scan Completed, E10 DFC Threat Detected), with full
 * `computer.links` URLs as the cloud sends them. Bodies average ~1.5 KB, as the reference
 * figures of docs/bench.md assume.
 *
 * Deterministic: event `i` of seed `s` is always the same bytes, so the harness never keeps
 * N bodies in memory (1,000,000 × 1.5 KB would be 1.5 GB) and can recompute any id later to
 * check the consumer's output. Ids are 64-bit and **odd** above 2^53: a double can only hold
 * even integers there, so any consumer that rounds an id through `JSON.parse` changes it.
 */

/** First id of seed 0 (≈ 6.5e18, the magnitude of real ids; docs/secure-endpoint-api.md §4.1). */
const ID_BASE = 6_533_241_145_273_614_339n;
/** Ids of different seeds never overlap below this many events. */
const ID_SEED_STRIDE = 1_000_000_000_000n;
/** The fleet: this many computers per seed (hostnames, GUIDs, IPs reused across events). */
const FLEET_SIZE = 64;
const API_HOST = 'https://api.amp.cisco.com';
const EPOCH_START = 1_700_000_000; // 2023-11-14T22:13:20Z, seconds

/** mulberry32: a tiny seeded PRNG; good enough for test data, not for anything secret. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, len: number): string {
  let s = '';
  while (s.length < len)
    s += Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, len);
}

function guid(rand: () => number): string {
  const h = hex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Computer {
  readonly connector_guid: string;
  readonly hostname: string;
  readonly external_ip: string;
  readonly user: string;
  readonly ip: string;
  readonly mac: string;
  readonly ip6: string;
  readonly group: string;
}

function fleet(seed: number): Computer[] {
  const rand = prng(seed * 7919 + 17);
  const groups = [guid(rand), guid(rand), guid(rand), guid(rand)];
  const depts = ['FIN', 'HR', 'ENG', 'OPS', 'LAB', 'SALES'];
  const users = ['jdoe', 'asmith', 'mchen', 'kpatel', 'lgarcia', 'rnovak', 'tkim', 'obrien'];
  return Array.from({ length: FLEET_SIZE }, (_, k) => ({
    connector_guid: guid(rand),
    hostname: `WS-${depts[k % depts.length]}-${String(100 + k).padStart(3, '0')}.corp.example.com`,
    external_ip: `198.51.100.${1 + (k % 250)}`,
    user: `${users[k % users.length]}@CORP`,
    ip: `10.${1 + (k % 20)}.${(k * 7) % 250}.${1 + ((k * 13) % 250)}`,
    mac: `00:50:56:${hex(rand, 2)}:${hex(rand, 2)}:${hex(rand, 2)}`,
    ip6: `fe80::${hex(rand, 4)}:${hex(rand, 4)}:${hex(rand, 4)}:${hex(rand, 4)}`,
    group: groups[k % groups.length]!,
  }));
}

/** The event types of the mix, with their relative weights (threat-heavy, like a busy org). */
const MIX: readonly { readonly id: number; readonly name: string; readonly weight: number }[] = [
  { id: 1090519054, name: 'Threat Detected', weight: 20 },
  { id: 553648143, name: 'Threat Quarantined', weight: 15 },
  { id: 2164260880, name: 'Quarantine Failure', weight: 4 },
  { id: 1107296272, name: 'Executed malware', weight: 6 },
  { id: 1107296274, name: 'Cloud IOC', weight: 12 },
  { id: 1107296279, name: 'Vulnerable Application Detected', weight: 8 },
  { id: 553648147, name: 'Retrospective Detection', weight: 5 },
  { id: 553648130, name: 'Policy Update', weight: 10 },
  { id: 554696715, name: 'Scan Completed, No Detections', weight: 10 },
  { id: 1090519084, name: 'DFC Threat Detected', weight: 10 },
];
const MIX_TOTAL = MIX.reduce((s, m) => s + m.weight, 0);

function pickType(r: number): (typeof MIX)[number] {
  let x = r * MIX_TOTAL;
  for (const m of MIX) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return MIX[MIX.length - 1]!;
}

/** One pass over an event set, in publish order. */
export interface EventStream {
  next(): { readonly id: string; readonly body: Buffer };
}

/** A deterministic event set: every `open()` yields the same events in the same order. */
export interface EventSet {
  readonly name: string;
  open(): EventStream;
}

export function benchEventSet(seed = 1): EventSet {
  const source = createEventSource(seed);
  return {
    name: `bench (seed ${seed})`,
    open() {
      let i = 0;
      return {
        next() {
          const k = i++;
          return { id: source.idOf(k), body: source.body(k) };
        },
      };
    },
  };
}

export interface BenchEventSource {
  readonly seed: number;
  /** The id of event `i`, as the exact decimal string that is on the wire. */
  idOf(i: number): string;
  /** The UTF-8 JSON body of event `i` (one object, no envelope, no trailing newline). */
  body(i: number): Buffer;
}

export function createEventSource(seed = 1): BenchEventSource {
  const computers = fleet(seed);
  const base = ID_BASE + BigInt(seed) * ID_SEED_STRIDE;
  const idOf = (i: number): string => (base + BigInt(i) * 2n).toString();

  function computerJson(c: Computer): object {
    const links = {
      computer: `${API_HOST}/v1/computers/${c.connector_guid}`,
      trajectory: `${API_HOST}/v1/computers/${c.connector_guid}/trajectory`,
      group: `${API_HOST}/v1/groups/${c.group}`,
    };
    return {
      connector_guid: c.connector_guid,
      hostname: c.hostname,
      external_ip: c.external_ip,
      user: c.user,
      active: true,
      network_addresses: [
        { ip: c.ip, mac: c.mac },
        { ip: c.ip6, mac: c.mac },
      ],
      links,
    };
  }

  function body(i: number): Buffer {
    const rand = prng(seed * 1_000_003 + i);
    const type = pickType(rand());
    const c = computers[Math.floor(rand() * computers.length)]!;
    const ts = EPOCH_START + Math.floor(i / 10);
    const detectionId = (base + BigInt(i) * 2n - 1n).toString();
    const sha = hex(rand, 64);
    const common = {
      timestamp: ts,
      timestamp_nanoseconds: Math.floor(rand() * 1e9),
      date: new Date(ts * 1000).toISOString().replace('.000Z', '+00:00'),
      event_type: type.name,
      event_type_id: type.id,
    };
    const tail = {
      connector_guid: c.connector_guid,
      group_guids: [c.group],
      severity: ['Low', 'Medium', 'High', 'Critical'][Math.floor(rand() * 4)],
      computer: computerJson(c),
    };
    const file = (disposition: string, name: string, dir: string): object => ({
      disposition,
      file_name: name,
      file_path: `\\\\?\\C:\\${dir}\\${name}`,
      identity: { sha256: sha, sha1: hex(rand, 40), md5: hex(rand, 32) },
      parent: {
        process_id: 100 + Math.floor(rand() * 9000),
        disposition: 'Clean',
        file_name: 'explorer.exe',
        file_path: 'C:\\Windows\\explorer.exe',
        identity: { sha256: hex(rand, 64), sha1: hex(rand, 40) },
      },
    });
    const commandLine = (exe: string): object => ({
      arguments: `${exe} -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand ${hex(rand, 160)}`,
    });
    let extra: object;
    switch (type.id) {
      case 1090519054:
      case 553648147:
        extra = {
          detection: `W32.${hex(rand, 10).toUpperCase()}-95.SBX.TG`,
          detection_id: detectionId,
          ...tail,
          file: file('Malicious', `invoice_${i % 1000}.exe`, `Users\\${c.user.split('@')[0]}\\Downloads`),
        };
        break;
      case 553648143:
        extra = {
          detection_id: detectionId,
          ...tail,
          file: { disposition: 'Malicious', file_name: `invoice_${i % 1000}.exe`, identity: { sha256: sha } },
        };
        break;
      case 2164260880:
        extra = {
          detection_id: detectionId,
          ...tail,
          error: { error_code: 3221225524, description: 'Object name not found' },
          file: { disposition: 'Malicious', identity: { sha256: sha } },
        };
        break;
      case 1107296272:
        extra = {
          detection: `W32.${hex(rand, 10).toUpperCase()}-95.SBX.TG`,
          ...tail,
          start_timestamp: ts,
          start_date: common.date,
          file: file('Malicious', 'helper.exe', 'ProgramData\\helper'),
          command_line: commandLine('helper.exe'),
        };
        break;
      case 1107296274:
        extra = {
          ...tail,
          start_timestamp: ts,
          start_date: common.date,
          cloud_ioc: {
            short_description: 'W32.PowershellDownloadedExecutable.ioc',
            description:
              'PowerShell downloaded a file and then executed it, a behaviour common to droppers and loaders.',
          },
          file: file('Clean', 'powershell.exe', 'Windows\\System32\\WindowsPowerShell\\v1.0'),
          command_line: commandLine('powershell.exe'),
        };
        break;
      case 1107296279:
        extra = {
          ...tail,
          start_timestamp: ts,
          start_date: common.date,
          file: file('Clean', 'WINWORD.EXE', 'Program Files\\Microsoft Office\\root\\Office16'),
          vulnerabilities: [
            {
              name: 'Microsoft Office',
              version: '2013',
              cve: 'CVE-2015-1641',
              score: '9.3',
              url: 'https://web.nvd.nist.gov/view/vuln/detail?vulnId=CVE-2015-1641',
            },
            {
              cve: 'CVE-2017-11826',
              score: '9.3',
              url: 'https://web.nvd.nist.gov/view/vuln/detail?vulnId=CVE-2017-11826',
            },
          ],
        };
        break;
      case 553648130:
        extra = {
          ...tail,
          policy: { name: 'Protect - Workstations', guid: guid(rand), serial_number: 1000 + (i % 500) },
        };
        break;
      case 554696715:
        extra = {
          ...tail,
          scan: {
            description: 'Flash Scan',
            clean: true,
            scanned_files: Math.floor(rand() * 9000),
            scanned_processes: 40 + Math.floor(rand() * 60),
            scanned_paths: 0,
            malicious_detections: 0,
          },
        };
        break;
      default:
        extra = {
          detection: 'DFC.CustomIPList',
          ...tail,
          network_info: {
            local_ip: c.ip,
            local_port: 49152 + Math.floor(rand() * 16000),
            remote_ip: `192.0.2.${1 + Math.floor(rand() * 250)}`,
            remote_port: 80,
            dirty_url: `http://bad-${hex(rand, 6)}.example/h/index.php`,
            nfm: { direction: 'Outgoing connection from', protocol: 'TCP' },
            parent: { disposition: 'Clean', file_name: 'chrome.exe', identity: { sha256: sha } },
          },
          command_line: commandLine('chrome.exe'),
        };
    }
    // The id goes in as a bare 64-bit number, exactly as the cloud sends it.
    const rest = JSON.stringify({ ...common, ...extra });
    return Buffer.from(`{"id":${idOf(i)},${rest.slice(1)}`, 'utf8');
  }

  return { seed, idOf, body };
}
