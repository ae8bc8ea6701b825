import { faker } from '@faker-js/faker/locale/en';

/**
 * The emulated organisation's fleet: groups (each with a policy) and computers with
 * consistent hostnames, users, addresses and connector GUIDs, all drawn from faker seeded
 * with the emulator seed, so the same seed always gives the same fleet. Field names follow
 * docs/secure-endpoint-api.md §3.3-3.4.
 *
 * faker's instance is process-global; seeding it and drawing everything happen in one
 * synchronous run here, so nothing else can interleave draws.
 */

export interface Group {
  readonly guid: string;
  readonly name: string;
  readonly description: string;
  readonly policy: { readonly guid: string; readonly name: string };
}

export interface Computer {
  readonly connectorGuid: string;
  readonly hostname: string;
  /** "jdoe@CORP", or "Not Available" on servers nobody logs into */
  readonly user: string;
  readonly internalIp: string;
  readonly externalIp: string;
  readonly mac: string;
  readonly operatingSystem: string;
  readonly osVersion: string;
  readonly connectorVersion: string;
  readonly windowsProcessorId: string;
  readonly groupGuid: string;
  readonly installDate: string;
  readonly windows: boolean;
}

export interface Fleet {
  readonly groups: readonly Group[];
  readonly computers: readonly Computer[];
  /** the Windows domain in user names ("jdoe@CORP") */
  readonly domain: string;
}

/** (default) computers in the emulated organisation */
export const FLEET_SIZE = 36;

const GROUP_TEMPLATES = [
  { name: 'Audit', description: 'Audit Group', prefix: 'AUD', policy: 'Audit Policy' },
  { name: 'Protect', description: 'Protect Group', prefix: 'WS', policy: 'Protect Policy' },
  { name: 'Servers', description: 'Server Group', prefix: 'SRV', policy: 'Server Policy' },
  { name: 'Triage', description: 'Triage Group', prefix: 'LAB', policy: 'Triage Policy' },
] as const;

const OPERATING_SYSTEMS = [
  { os: 'Windows 10 Enterprise', version: '10.0.19045.4291', connector: '8.2.3.30119', windows: true },
  { os: 'Windows 11 Pro', version: '10.0.22631.3447', connector: '8.2.3.30119', windows: true },
  { os: 'Windows 10 Pro', version: '10.0.19044.3086', connector: '7.5.17.21852', windows: true },
  {
    os: 'Windows Server 2019 Datacenter',
    version: '10.0.17763.5696',
    connector: '8.1.7.21585',
    windows: true,
  },
  { os: 'macOS 14.4', version: '14.4.1', connector: '1.24.2.975', windows: false },
  { os: 'Ubuntu 22.04 LTS', version: '22.04', connector: '1.22.1.842', windows: false },
] as const;

const DEPARTMENTS = ['FIN', 'HR', 'ENG', 'OPS', 'MKT', 'SALES', 'IT'] as const;

function ipv4In(prefix: string): string {
  return `${prefix}.${faker.number.int({ min: 1, max: 254 })}`;
}

function makeComputer(index: number, group: Group, prefix: string, domain: string): Computer {
  const server = prefix === 'SRV';
  const os = server
    ? OPERATING_SYSTEMS[3]
    : faker.helpers.arrayElement(OPERATING_SYSTEMS.filter((o) => !o.os.includes('Server')));
  const first = faker.person.firstName();
  const last = faker.person.lastName();
  const login = `${first[0] ?? 'x'}${last}`.toLowerCase().replace(/[^a-z]/g, '');
  const dept = faker.helpers.arrayElement(DEPARTMENTS);
  const hostname = server
    ? `SRV-${faker.helpers.arrayElement(['DC', 'FS', 'SQL', 'WEB', 'APP'])}-${String(index).padStart(2, '0')}`
    : `${prefix}-${dept}-${String(faker.number.int({ min: 1, max: 999 })).padStart(3, '0')}`;
  return {
    connectorGuid: faker.string.uuid(),
    hostname: os.windows ? hostname : hostname.toLowerCase(),
    user: server ? 'Not Available' : `${login}@${domain}`,
    internalIp: ipv4In(
      `10.${faker.number.int({ min: 1, max: 40 })}.${faker.number.int({ min: 0, max: 255 })}`,
    ),
    externalIp: faker.internet.ipv4(),
    mac: faker.internet.mac(),
    operatingSystem: os.os,
    osVersion: os.version,
    connectorVersion: os.connector,
    windowsProcessorId: faker.string.hexadecimal({ length: 16, casing: 'upper', prefix: '' }),
    groupGuid: group.guid,
    installDate: faker.date
      .past({ years: 3, refDate: '2026-01-01T00:00:00Z' })
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    windows: os.windows,
  };
}

export function buildFleet(seed: number, size: number = FLEET_SIZE): Fleet {
  faker.seed(seed);
  const domain =
    faker.company
      .name()
      .split(/[^A-Za-z]/)[0]
      ?.toUpperCase()
      .slice(0, 8) || 'CORP';
  const groups: Group[] = GROUP_TEMPLATES.map((t) => ({
    guid: faker.string.uuid(),
    name: t.name,
    description: t.description,
    policy: { guid: faker.string.uuid(), name: t.policy },
  }));
  const computers: Computer[] = [];
  for (let i = 0; i < size; i++) {
    // most machines are protected workstations; a few audit, server and triage machines
    const t = i % 6 === 0 ? 0 : i % 6 === 1 ? 2 : i % 6 === 2 ? 3 : 1;
    const group = groups[t]!;
    computers.push(makeComputer(i + 1, group, GROUP_TEMPLATES[t].prefix, domain));
  }
  return { groups, computers, domain };
}
