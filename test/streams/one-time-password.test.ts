import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { isAmpError, type AmpError } from '../../src/errors.js';
import { nodeAtomicFs, type AtomicFs } from '../../src/secrets/atomic-write.js';
import { loadStreamCredentials } from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import { createStream, unstoredCredentialsNotice } from '../../src/streams/create.js';
import type { StreamsApi } from '../../src/streams/types.js';
import { withEmulator, type TestEmulator } from '../helpers/emulator.js';

/**
 * The one-time AMQP password Cisco shows once is never lost: a vault that cannot take a write
 * (lock held, disk full) refuses before the stream is created; when the write fails after the
 * POST, the password comes back to the caller to be printed, with the entry to store by hand.
 */

const fast = { name: 'scrypt', n: 1024, r: 8, p: 1 } as const;
let emu: TestEmulator;
let api: SecureEndpointClient;
let dir: string;

beforeAll(async () => {
  emu = await withEmulator({ seed: 21 });
  api = new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
  });
  dir = await mkdtemp(join(tmpdir(), 'ampstream-otp-'));
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const s of await api.eventStreams()) await api.deleteEventStream(s.id);
});

/** An fs whose opens fail with ENOSPC from the `from`-th one on (1-based). */
function diskFullFrom(from: number): AtomicFs {
  let opens = 0;
  return {
    ...nodeAtomicFs,
    open: (path, flags, mode) => {
      opens++;
      if (opens >= from)
        return Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      return nodeAtomicFs.open(path, flags, mode);
    },
  };
}

async function vault(name: string, extra: { fs?: AtomicFs; lockTimeoutMs?: number } = {}): Promise<Vault> {
  const path = join(dir, `${name}.json`);
  await Vault.openOrCreate({ path, passphrase: 'pw', kdf: fast });
  return Vault.open({
    path,
    passphrase: 'pw',
    kdf: fast,
    ...(extra.fs === undefined ? {} : { fs: extra.fs }),
    lock: { timeoutMs: extra.lockTimeoutMs ?? 300, pollMs: 20 },
  });
}

async function failure(p: Promise<unknown>): Promise<AmpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAmpError(e)) throw new Error(`expected an AmpError, got ${String(e)}`);
  return e;
}

describe('the one-time password is never lost', () => {
  it('refuses before creating anything when the vault lock is held by another process (bounded wait, says who holds it)', async () => {
    const v = await vault('locked');
    await writeFile(`${v.path}.lock`, '4242\n');
    const e = await failure(createStream(api, { name: 'locked' }, { vault: { kind: 'open', vault: v } }));
    expect(e.code).toBe('VAULT_LOCKED');
    expect(e.message).toMatch(/refusing to create the stream: .*pid 4242.*waited 0\.3 s/);
    expect(e.exitCode).toBe(78);
    expect(await api.eventStreams()).toEqual([]);
    await rm(`${v.path}.lock`);
  });

  it('refuses before creating anything when the disk is full (typed VAULT_WRITE_FAILED, no stack trace)', async () => {
    const v = await vault('full', { fs: diskFullFrom(1) });
    const e = await failure(createStream(api, { name: 'full' }, { vault: { kind: 'open', vault: v } }));
    expect(e.code).toBe('VAULT_WRITE_FAILED');
    expect(e.message).toContain('ENOSPC');
    expect(e.hint).toContain('disk is full');
    expect(await api.eventStreams()).toEqual([]);
  });

  it('gives the password back, with the entry to store, when the disk fills between the check and the save', async () => {
    const v = await vault('fills', { fs: diskFullFrom(2) });
    const out = await createStream(api, { name: 'fills' }, { vault: { kind: 'open', vault: v } });
    if (out.status !== 'created' || out.stored === undefined || !('error' in out.stored))
      throw new Error('expected a created stream whose credentials were not stored');
    expect(out.stored.error.code).toBe('VAULT_WRITE_FAILED');
    const notice = unstoredCredentialsNotice(out.stream, api.baseUrl, out.stored.error);
    expect(notice.text).toContain(out.stream.amqp_credentials.password);
    expect(notice.text).toContain(`ampstream vault set stream/${out.stream.id}`);
    // once the disk has room again, the printed entry restores the credentials
    const fixed = await vault('fills');
    await fixed.set(notice.entry, notice.value);
    expect((await loadStreamCredentials(fixed, out.stream.id))?.password).toBe(
      out.stream.amqp_credentials.password,
    );
  });

  it('gives the password back when another process takes the vault lock right after the POST', async () => {
    const v = await vault('race');
    const racing: StreamsApi = {
      baseUrl: api.baseUrl,
      eventTypes: () => api.eventTypes(),
      groups: (q) => api.groups(q),
      eventStreams: () => api.eventStreams(),
      eventStream: (id) => api.eventStream(id),
      updateEventStream: (id, patch) => api.updateEventStream(id, patch),
      deleteEventStream: (id) => api.deleteEventStream(id),
      createEventStream: async (input) => {
        const r = await api.createEventStream(input);
        await writeFile(`${v.path}.lock`, '4343\n');
        return r;
      },
    };
    const out = await createStream(racing, { name: 'race' }, { vault: { kind: 'open', vault: v } });
    await rm(`${v.path}.lock`);
    if (out.status !== 'created' || out.stored === undefined || !('error' in out.stored))
      throw new Error('expected a created stream whose credentials were not stored');
    expect(out.stored.error.code).toBe('VAULT_LOCKED');
    expect(unstoredCredentialsNotice(out.stream, api.baseUrl, out.stored.error).text).toContain(
      out.stream.amqp_credentials.password,
    );
  });
});
