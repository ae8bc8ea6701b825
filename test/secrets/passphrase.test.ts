import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAmpError } from '../../src/errors.js';
import { openUserVault } from '../../src/secrets/open.js';
import { obtainPassphrase } from '../../src/secrets/passphrase.js';
import { createHiddenPrompt } from '../../src/secrets/prompt.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ampstream-pass-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obtainPassphrase', () => {
  it('prefers the environment variable over the file and the prompt', async () => {
    const prompt = async (): Promise<string> => 'prompted';
    expect(
      await obtainPassphrase({ env: { AMPSTREAM_VAULT_PASSPHRASE: 'env' }, interactive: true, prompt }),
    ).toBe('env');
    expect(await obtainPassphrase({ env: {}, interactive: true, prompt })).toBe('prompted');
  });

  it('refuses with VAULT_NO_PASSPHRASE and a hint when it may not prompt', async () => {
    const e = await obtainPassphrase({ env: {}, interactive: false }).catch((x: unknown) => x);
    expect(isAmpError(e, 'VAULT_NO_PASSPHRASE')).toBe(true);
    expect((e as { hint: string }).hint).toContain('AMPSTREAM_VAULT_PASSPHRASE');
  });

  it('asks twice when creating and refuses when the answers differ', async () => {
    const answers = ['one', 'two'];
    const prompt = async (): Promise<string> => answers.shift() ?? '';
    const e = await obtainPassphrase({ env: {}, interactive: true, prompt, confirm: true }).catch(
      (x: unknown) => x,
    );
    expect(isAmpError(e, 'VAULT_NO_PASSPHRASE')).toBe(true);
  });
});

describe('createHiddenPrompt', () => {
  it('reads a line without echoing it and handles backspace', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const answer = createHiddenPrompt(input, output)('Passphrase: ');
    input.write('secx\x7fret\r');
    expect(await answer).toBe('secret');
    expect(shown).toBe('Passphrase: \n');
  });
});

describe('openUserVault', () => {
  it('returns undefined without asking anything when no vault exists and none is to be created', async () => {
    const env = { AMPSTREAM_VAULT: join(dir, 'v.json') };
    expect(await openUserVault({ env, interactive: false })).toBeUndefined();
  });

  it('creates a 0600 vault on demand, confirming the prompted passphrase', async () => {
    const env = { AMPSTREAM_VAULT: join(dir, 'v.json') };
    const asked: string[] = [];
    const prompt = async (q: string): Promise<string> => {
      asked.push(q);
      return 'typed';
    };
    const vault = await openUserVault({
      env,
      create: true,
      interactive: true,
      prompt,
      kdf: { n: 1024, r: 8, p: 1 },
    });
    expect(asked).toHaveLength(2);
    expect(vault?.names()).toEqual([]);
    expect((await stat(join(dir, 'v.json'))).mode & 0o777).toBe(0o600);
  });
});
