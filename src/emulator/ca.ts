import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { pathExists } from '../util/fs.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AmpError } from '../errors.js';

/**
 * The emulator's local certificate authority, made with the `openssl` command-line tool:
 * a CA (EC P-256, 10 years) and a server certificate for `localhost` + `127.0.0.1` (+ the
 * listen host if it is another name or address) signed by it. Python's `ssl` (requests,
 * pika) and Node both verify this chain; the extensions below are the ones OpenSSL 3 and
 * Python's strict X.509 mode insist on (CA:TRUE + keyCertSign on the CA, SAN + serverAuth +
 * AKI/SKI on the leaf).
 *
 * Files kept in `dir`: ca.pem (public), ca.key and server.key (0600), server.pem, san.txt.
 * With a persistent dir, an existing CA is reused (so clients keep trusting it) and the
 * server certificate is re-issued only when the wanted names change.
 */

export interface LocalCa {
  readonly caPath: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const exec = promisify(execFile);
const CA_DAYS = 3650; // 10 years
/** openssl req: a new P-256 key, not encrypted */
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;
const SERVER_DAYS = 825; // the longest validity Apple/Chrome accept for a TLS server cert

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await exec('openssl', args, { cwd });
  } catch (e) {
    throw new AmpError('EMULATOR', `openssl ${args[0] ?? ''} failed while creating the emulator CA`, {
      cause: e,
      hint: 'Install the openssl command-line tool (Debian: apt-get install openssl).',
    });
  }
}

/** `subjectAltName` value covering localhost, 127.0.0.1 and `host` (when it is something else). */
export function subjectAltNames(host: string): string {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1']);
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  if (host !== '0.0.0.0' && host !== '::') names.add(isIp ? `IP:${host}` : `DNS:${host}`);
  return [...names].join(',');
}

async function makeCa(dir: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      ...NEW_EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      String(CA_DAYS),
      '-subj',
      '/O=ampstream/CN=ampstream emulator local CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'subjectKeyIdentifier=hash',
    ],
    dir,
  );
}

async function makeServerCert(dir: string, san: string): Promise<void> {
  await openssl(
    [
      'req',
      ...NEW_EC_KEY,
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/O=ampstream/CN=localhost',
    ],
    dir,
  );
  const ext = [
    `subjectAltName=${san}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid,issuer',
  ].join('\n');
  await writeFile(join(dir, 'server.ext'), `${ext}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      String(SERVER_DAYS),
      '-sha256',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  await Promise.all(['server.csr', 'server.ext', 'ca.srl'].map((f) => rm(join(dir, f), { force: true })));
  await chmod(join(dir, 'server.key'), 0o600);
  await writeFile(join(dir, 'san.txt'), san);
}

/** Create (or reuse) the CA and server certificate in `dir`; `host` is the listen host. */
export async function ensureLocalCa(dir: string, host: string): Promise<LocalCa> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = subjectAltNames(host);
  if (!(await pathExists(join(dir, 'ca.pem'))) || !(await pathExists(join(dir, 'ca.key')))) {
    await makeCa(dir);
    await chmod(join(dir, 'ca.key'), 0o600);
    await rm(join(dir, 'server.pem'), { force: true });
  }
  const currentSan = (await pathExists(join(dir, 'san.txt')))
    ? await readFile(join(dir, 'san.txt'), 'utf8')
    : '';
  if (!(await pathExists(join(dir, 'server.pem'))) || currentSan !== san) await makeServerCert(dir, san);
  const [caPem, certPem, keyPem] = await Promise.all(
    ['ca.pem', 'server.pem', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return { caPath: join(dir, 'ca.pem'), caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
}
