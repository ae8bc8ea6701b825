import { faker } from '@faker-js/faker/locale/en';

/**
 * Value pools the event builders draw from: file hashes, malware and clean file names,
 * detection names, remote hosts. Built once with faker right after the fleet (same seed);
 * fixed lists (IOC names, CVEs, MITRE entries) are realistic examples written for the
 * emulator (docs/secure-endpoint-api.md §4.2 shapes), not copies of real incidents.
 */

export interface MalwareSample {
  readonly sha256: string;
  readonly sha1: string;
  readonly md5: string;
  readonly fileName: string;
  readonly detection: string;
}

export interface CleanProcess {
  readonly fileName: string;
  readonly sha256: string;
  readonly path: string;
}

export interface Pools {
  readonly malware: readonly MalwareSample[];
  /** clean parent processes on Windows computers */
  readonly cleanParents: readonly CleanProcess[];
  /** clean parent processes on macOS and Linux computers */
  readonly unixParents: readonly CleanProcess[];
  readonly remoteHosts: readonly { readonly ip: string; readonly domain: string }[];
  readonly cleanHashes: readonly string[];
}

const hex = (length: number): string => faker.string.hexadecimal({ length, casing: 'lower', prefix: '' });

const DETECTION_FAMILIES = [
  'Win.Trojan.Agent',
  'Win.Ransomware.Lockbit',
  'Win.Dropper.Emotet',
  'Win.Malware.Qakbot',
  'Win.Packed.Generic',
  'Win.Trojan.Generic',
  'W32.GenericKD',
  'Win.Downloader.Upatre',
] as const;

const MALWARE_NAMES = [
  'invoice',
  'payment_advice',
  'scan_0042',
  'update',
  'setup',
  'document',
  'order_confirmation',
  'remittance',
  'chrome_patch',
  'zoom_installer',
  'svchost32',
  'helper',
  'report_q3',
] as const;
const MALWARE_EXT = ['exe', 'dll', 'scr', 'js', 'vbs', 'docm', 'xlsm', 'ps1'] as const;

const CLEAN_PARENTS = [
  { fileName: 'explorer.exe', path: 'C:\\Windows\\explorer.exe' },
  { fileName: 'outlook.exe', path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE' },
  { fileName: 'chrome.exe', path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' },
  { fileName: 'msedge.exe', path: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe' },
  { fileName: 'powershell.exe', path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' },
  { fileName: 'cmd.exe', path: 'C:\\Windows\\System32\\cmd.exe' },
  { fileName: 'wscript.exe', path: 'C:\\Windows\\System32\\wscript.exe' },
  { fileName: 'WINWORD.EXE', path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE' },
] as const;

const UNIX_PARENTS = [
  { fileName: 'bash', path: '/bin/bash' },
  { fileName: 'zsh', path: '/bin/zsh' },
  { fileName: 'python3', path: '/usr/bin/python3' },
  { fileName: 'firefox', path: '/usr/lib/firefox/firefox' },
  { fileName: 'curl', path: '/usr/bin/curl' },
] as const;

function detectionName(): string {
  const family = faker.helpers.arrayElement(DETECTION_FAMILIES);
  if (family === 'W32.GenericKD')
    return `W32.GenericKD:Trojan.${hex(6)}.${faker.number.int({ min: 10, max: 99 })}`;
  return faker.datatype.boolean({ probability: 0.5 })
    ? `W32.${hex(10).toUpperCase()}-95.SBX.TG`
    : `${family}::${faker.helpers.arrayElement(['in03.talos', '95.sbx.tg', 'tpd', 'mrt.talos'])}`;
}

export function buildPools(): Pools {
  const malware: MalwareSample[] = [];
  for (let i = 0; i < 200; i++) {
    malware.push({
      sha256: hex(64),
      sha1: hex(40),
      md5: hex(32),
      fileName: `${faker.helpers.arrayElement(MALWARE_NAMES)}${faker.datatype.boolean() ? `_${faker.number.int({ min: 1, max: 9999 })}` : ''}.${faker.helpers.arrayElement(MALWARE_EXT)}`,
      detection: detectionName(),
    });
  }
  const cleanParents = CLEAN_PARENTS.map((p) => ({ ...p, sha256: hex(64) }));
  const unixParents = UNIX_PARENTS.map((p) => ({ ...p, sha256: hex(64) }));
  const remoteHosts = Array.from({ length: 60 }, () => ({
    ip: faker.internet.ipv4(),
    domain: `${faker.word.noun()}-${faker.word.adjective()}.${faker.helpers.arrayElement(['top', 'xyz', 'ru', 'info', 'biz', 'cc'])}`,
  }));
  const cleanHashes = Array.from({ length: 100 }, () => hex(64));
  return { malware, cleanParents, unixParents, remoteHosts, cleanHashes };
}
