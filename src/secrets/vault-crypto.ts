import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { AmpError } from '../errors.js';

/**
 * The vault file format (version 1), one JSON document:
 *
 *   { "v": 1,
 *     "kdf":   { "name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<base64, 16 bytes>" },
 *     "check": "<base64 HMAC-SHA256(checkKey, 'ampstream-vault-check')>",
 *     "iv":    "<base64, 12 bytes>",
 *     "tag":   "<base64, 16-byte GCM tag>",
 *     "data":  "<base64 AES-256-GCM ciphertext of {\"entries\":{name: value}}>" }
 *
 * scrypt(passphrase, salt, 64 bytes): bytes 0-31 are the AES-256-GCM key, bytes 32-63 the key
 * of `check`. `check` tells a wrong passphrase (VAULT_BAD_PASSPHRASE) apart from a modified
 * file (VAULT_CORRUPT: the GCM tag fails although the key is right). It costs an attacker a full
 * scrypt per guess, exactly like trying to decrypt. The header (v, kdf) is bound to the
 * ciphertext as GCM additional data. Salt and IV are fresh on every write.
 */

export interface VaultKdfParams {
  /** CPU/memory cost, a power of two */
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** scrypt N=2^15, r=8, p=1: ~32 MiB and ~0.1 s per derivation on this class of machine. */
export const DEFAULT_VAULT_KDF: VaultKdfParams = { n: 2 ** 15, r: 8, p: 1 };

/** Parameters a file may ask for; anything larger is refused (a crafted file must not exhaust memory). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MIN_N = 2 ** 10;

const KEY_LENGTH = 64; // 32 for AES-256 + 32 for the check key
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_LABEL = 'ampstream-vault-check';

export interface VaultEnvelope {
  readonly v: 1;
  readonly kdf: {
    readonly name: 'scrypt';
    readonly n: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly check: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

function deriveKey(passphrase: string, salt: Buffer, kdf: VaultKdfParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes (+ 128 * r * p); give it twice that as headroom
  const maxmem = 256 * kdf.n * kdf.r + 256 * kdf.r * kdf.p;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: kdf.n, r: kdf.r, p: kdf.p, maxmem },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

function checkValue(key: Buffer): Buffer {
  return createHmac('sha256', key.subarray(32)).update(CHECK_LABEL).digest();
}

function aad(envelope: Pick<VaultEnvelope, 'v' | 'kdf'>): Buffer {
  const k = envelope.kdf;
  return Buffer.from(`ampstream-vault|${envelope.v}|${k.name}|${k.n}|${k.r}|${k.p}|${k.salt}`);
}

/** A derived key and the salt it belongs to: lets a reader skip scrypt for a file it wrote itself. */
export interface DerivedKey {
  readonly salt: string;
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly key: Buffer;
}

export async function encryptEntries(
  entries: ReadonlyMap<string, string>,
  passphrase: string,
  kdf: VaultKdfParams = DEFAULT_VAULT_KDF,
): Promise<{ envelope: VaultEnvelope; key: DerivedKey }> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveKey(passphrase, salt, kdf);
  const header = {
    v: 1 as const,
    kdf: { name: 'scrypt' as const, n: kdf.n, r: kdf.r, p: kdf.p, salt: salt.toString('base64') },
  };
  const cipher = createCipheriv('aes-256-gcm', key.subarray(0, 32), iv);
  cipher.setAAD(aad(header));
  const plain = Buffer.from(JSON.stringify({ entries: Object.fromEntries(entries) }), 'utf8');
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  const envelope: VaultEnvelope = {
    ...header,
    check: checkValue(key).toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return { envelope, key: { salt: header.kdf.salt, n: kdf.n, r: kdf.r, p: kdf.p, key } };
}

function corrupt(path: string, why: string, cause?: unknown): AmpError {
  return new AmpError('VAULT_CORRUPT', `the vault file ${path} is damaged or was modified (${why})`, {
    cause,
    hint: 'restore it from a backup, or move it away and store the credentials again (`ampstream login`); stream passwords in it cannot be recovered from Cisco',
  });
}

function b64(value: unknown, bytes: number | undefined, path: string, field: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw corrupt(path, `${field} is not base64`);
  const buf = Buffer.from(value, 'base64');
  if (bytes !== undefined && buf.length !== bytes) throw corrupt(path, `${field} has the wrong length`);
  return buf;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Validate the parsed JSON of a vault file (structure and bounds) without decrypting. */
export function parseEnvelope(text: string, path: string): VaultEnvelope {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw corrupt(path, 'not JSON', e);
  }
  if (typeof doc !== 'object' || doc === null) throw corrupt(path, 'not an object');
  const env = doc as Record<string, unknown>;
  if (env['v'] !== 1) throw corrupt(path, `unsupported version ${JSON.stringify(env['v'])}`);
  const kdf = env['kdf'] as Record<string, unknown> | undefined;
  if (typeof kdf !== 'object' || kdf === null || kdf['name'] !== 'scrypt')
    throw corrupt(path, 'unknown key derivation');
  const { n, r, p } = kdf as { n: unknown; r: unknown; p: unknown };
  if (typeof n !== 'number' || !isPowerOfTwo(n) || n < MIN_N || n > MAX_N)
    throw corrupt(path, 'scrypt N out of range');
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > MAX_R)
    throw corrupt(path, 'scrypt r out of range');
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > MAX_P)
    throw corrupt(path, 'scrypt p out of range');
  b64(kdf['salt'], SALT_BYTES, path, 'salt');
  b64(env['check'], 32, path, 'check');
  b64(env['iv'], IV_BYTES, path, 'iv');
  b64(env['tag'], TAG_BYTES, path, 'tag');
  b64(env['data'], undefined, path, 'data');
  return doc as VaultEnvelope;
}

export async function decryptEntries(
  envelope: VaultEnvelope,
  passphrase: string,
  path: string,
  known?: DerivedKey,
): Promise<{ entries: Map<string, string>; key: DerivedKey }> {
  const { n, r, p, salt } = envelope.kdf;
  const reuse = known !== undefined && known.salt === salt && known.n === n && known.r === r && known.p === p;
  const key = reuse ? known.key : await deriveKey(passphrase, Buffer.from(salt, 'base64'), { n, r, p });
  if (!timingSafeEqual(checkValue(key), Buffer.from(envelope.check, 'base64'))) {
    throw new AmpError('VAULT_BAD_PASSPHRASE', `wrong passphrase for the vault ${path}`, {
      hint: 'check AMPSTREAM_VAULT_PASSPHRASE / AMPSTREAM_VAULT_PASSPHRASE_FILE, or type it again',
    });
  }
  const decipher = createDecipheriv('aes-256-gcm', key.subarray(0, 32), Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(aad(envelope));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
  } catch (e) {
    throw corrupt(path, 'authentication tag mismatch', e);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch (e) {
    throw corrupt(path, 'decrypted content is not JSON', e);
  } finally {
    plain.fill(0);
  }
  const entries = (parsed as { entries?: unknown } | null)?.entries;
  if (typeof entries !== 'object' || entries === null) throw corrupt(path, 'no entries');
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(entries)) {
    if (typeof v !== 'string') throw corrupt(path, `entry ${k} is not a string`);
    out.set(k, v);
  }
  return { entries: out, key: { salt, n, r, p, key } };
}
