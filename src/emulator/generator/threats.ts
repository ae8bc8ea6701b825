import {
  type Builder,
  type BuildInput,
  type EventFields,
  cleanParent,
  malwarePath,
  startFields,
} from './common.js';

/**
 * Builders for detection events (docs/secure-endpoint-api.md §4.4 E1-E5, E7, E10 and the §4.2 nested
 * objects). Each returns the type-specific fields in wire order.
 */

function fullFile(input: BuildInput): EventFields {
  const { sample } = input;
  return {
    disposition: 'Malicious',
    file_name: sample.fileName,
    file_path: malwarePath(input),
    identity: { sha256: sample.sha256, sha1: sample.sha1, md5: sample.md5 },
    parent: cleanParent(input, true),
  };
}

/** E2/E3: Quarantined and Quarantine Failure carry only disposition + sha256. */
function reducedFile(input: BuildInput): EventFields {
  return { disposition: 'Malicious', identity: { sha256: input.sample.sha256 } };
}

/** E1 — Threat Detected (1090519054) */
export const threatDetected: Builder = (input) => ({
  detection: input.sample.detection,
  detection_id: input.detectionId,
  severity: input.rng.pick(['Medium', 'Medium', 'High', 'Critical']),
  file: fullFile(input),
});

/** E2 — Threat Quarantined (553648143): no `detection` */
export const threatQuarantined: Builder = (input) => ({
  detection_id: input.detectionId,
  severity: 'Medium',
  file: reducedFile(input),
});

const NTSTATUS = [
  { error_code: 3221225524, description: 'Object name not found' },
  { error_code: 3221225506, description: 'Access is denied' },
  {
    error_code: 3221225539,
    description: 'The process cannot access the file because it is being used by another process',
  },
] as const;

/** E3 — Quarantine Failure (2164260880): an `error` object */
export const quarantineFailure: Builder = (input) => ({
  detection_id: input.detectionId,
  severity: 'Medium',
  error: { ...input.rng.pick(NTSTATUS) },
  file: reducedFile(input),
});

/** E4 — Executed malware (1107296272): start_* fields, parent malicious, no detection_id */
export const executedMalware: Builder = (input) => ({
  detection: input.sample.detection,
  severity: 'High',
  ...startFields(input.timeMs),
  file: {
    disposition: 'Malicious',
    file_name: input.sample.fileName,
    file_path: malwarePath(input),
    identity: { sha256: input.sample.sha256 },
    parent: { disposition: 'Malicious', identity: { sha256: input.rng.pick(input.pools.malware).sha256 } },
  },
});

const CLOUD_IOCS = [
  {
    short_description: 'W32.PowershellDownloadedExecutable.ioc',
    description: 'PowerShell downloaded an executable and started it. Attackers use this to stage payloads.',
    parent: 'powershell.exe',
  },
  {
    short_description: 'W32.WinWordLaunchedScript.ioc',
    description: 'Microsoft Word launched a script interpreter, a common macro-malware behaviour.',
    parent: 'WINWORD.EXE',
  },
  {
    short_description: 'W32.CertutilDecode.ioc',
    description: 'certutil.exe was used to decode a file, often done to unpack a hidden payload.',
    parent: 'cmd.exe',
  },
  {
    short_description: 'W32.SchtasksPersistence.ioc',
    description: 'A scheduled task was created from a user-writable location for persistence.',
    parent: 'cmd.exe',
  },
] as const;

/** E5 — Cloud IOC (1107296274) */
export const cloudIoc: Builder = (input) => {
  const ioc = input.rng.pick(CLOUD_IOCS);
  const parent =
    input.pools.cleanParents.find((p) => p.fileName === ioc.parent) ?? input.pools.cleanParents[0]!;
  return {
    severity: input.rng.pick(['Medium', 'High']),
    ...startFields(input.timeMs),
    cloud_ioc: { short_description: ioc.short_description, description: ioc.description },
    file: {
      disposition: 'Clean',
      file_name: parent.fileName,
      file_path: `/${parent.path.replace(/\\/g, '/')}`,
      identity: { sha256: parent.sha256 },
      parent: cleanParent(input, false),
    },
    command_line: {
      arguments: `${parent.fileName} -NoProfile -ExecutionPolicy Bypass -EncodedCommand ${input.rng.hex(48)}`,
    },
  };
};

/** E7 — Retrospective Detection (553648147), formerly "Cloud Recall Detection" */
export const retrospectiveDetection: Builder = (input) => ({
  detection: input.sample.detection,
  detection_id: input.detectionId,
  severity: 'High',
  file: {
    disposition: 'Malicious',
    file_name: input.sample.fileName,
    file_path: malwarePath(input),
    identity: { sha256: input.sample.sha256 },
  },
});

/** E10 — DFC Threat Detected (1090519084): a network event */
export const dfcThreatDetected: Builder = (input) => {
  const remote = input.rng.pick(input.pools.remoteHosts);
  const port = input.rng.pick([80, 443, 8080, 4444]);
  return {
    detection: input.rng.pick(['DFC.CustomIPList', 'DFC.Talos', 'DFC.IPBlockList']),
    severity: 'Medium',
    network_info: {
      local_ip: input.computer.internalIp,
      local_port: input.rng.int(49152, 65535),
      remote_ip: remote.ip,
      remote_port: port,
      dirty_url: `${port === 443 ? 'https' : 'http'}://${remote.domain}/${input.rng.pick(['h/index.php', 'gate.php', 'c2/poll', 'update.bin'])}`,
      nfm: { direction: 'Outgoing connection from', protocol: 'TCP' },
      parent: cleanParent(input, true),
    },
  };
};

/** Connection to suspicious domain (1107296277): a lighter network event */
export const suspiciousDomain: Builder = (input) => {
  const remote = input.rng.pick(input.pools.remoteHosts);
  return {
    severity: 'Medium',
    ...startFields(input.timeMs),
    network_info: {
      local_ip: input.computer.internalIp,
      local_port: input.rng.int(49152, 65535),
      remote_ip: remote.ip,
      remote_port: 443,
      dirty_url: `https://${remote.domain}:443`,
      nfm: { direction: 'Outgoing connection from', protocol: 'TCP' },
      parent: cleanParent(input, true),
    },
  };
};

const EXPLOITED_APPS = [
  { application: 'WINWORD.EXE', attacked_module: 'mso.dll' },
  { application: 'iexplore.exe', attacked_module: 'jscript9.dll' },
  { application: 'AcroRd32.exe', attacked_module: 'AcroForm.api' },
  { application: 'EXCEL.EXE', attacked_module: 'VBE7.DLL' },
] as const;

/** Exploit Prevention (1090519103): `file.attack_details` */
export const exploitPrevention: Builder = (input) => {
  const app = input.rng.pick(EXPLOITED_APPS);
  return {
    detection: 'Exploit Prevention',
    severity: 'High',
    file: {
      disposition: 'Clean',
      file_name: app.application,
      identity: { sha256: input.rng.pick(input.pools.cleanHashes) },
      attack_details: {
        application: app.application,
        attacked_module: `C:\\Program Files\\Common Files\\${app.attacked_module}`,
        base_address: `0x${input.rng.hex(8).toUpperCase()}`,
        suspicious_files: [],
        indicators: [],
      },
    },
  };
};

const ACTIVITY_INDICATORS = [
  {
    id: 'MAP.ransom.shadowdelete',
    description: 'A process attempted to delete volume shadow copies.',
    short_description: 'Shadow copy deletion',
  },
  {
    id: 'MAP.ransom.massencrypt',
    description: 'A process modified many user documents in a short time.',
    short_description: 'Mass file modification',
  },
  {
    id: 'MAP.cred.lsass',
    description: 'A process read the memory of lsass.exe.',
    short_description: 'Credential dumping',
  },
] as const;

/** Malicious Activity Detection (1090519105): behavioural indicators */
export const maliciousActivity: Builder = (input) => {
  const indicator = input.rng.pick(ACTIVITY_INDICATORS);
  return {
    detection: 'Malicious Activity Protection',
    severity: 'Critical',
    file: {
      disposition: 'Unknown',
      file_name: input.sample.fileName,
      file_path: malwarePath(input),
      identity: { sha256: input.sample.sha256 },
      parent: cleanParent(input, true),
      attack_details: {
        application: input.sample.fileName,
        indicators: [{ ...indicator, severity: 'critical' }],
      },
    },
  };
};
