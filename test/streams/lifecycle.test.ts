import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecureEndpointClient } from '../../src/api/client.js';
import { AmpError } from '../../src/errors.js';
import { loadStreamCredentials, saveStreamCredentials } from '../../src/secrets/credentials.js';
import { Vault } from '../../src/secrets/vault.js';
import { createStream } from '../../src/streams/create.js';
import { deleteStream, findStream } from '../../src/streams/delete.js';
import type { StreamsApi, VaultState } from '../../src/streams/types.js';
import { updateStream } from '../../src/streams/update.js';
import { describeStreams } from '../../src/streams/view.js';
import { createStreamViaRest, withEmulator, type TestEmulator } from '../helpers/emulator.js';
import { failure } from '../helpers/failure.js';
import { testVault } from '../helpers/vault.js';

let emu: TestEmulator;
let client: SecureEndpointClient;
let dir: string;
let vault: Vault;
let open: VaultState;

beforeAll(async () => {
  emu = await withEmulator();
  client = new SecureEndpointClient({
    baseUrl: emu.apiUrl,
    clientId: emu.clientId,
    apiKey: emu.apiKey,
    ca: emu.caPem,
  });
});
afterAll(async () => {
  await client.close();
  await emu.close();
});
beforeEach(async () => {
  for (const s of await client.eventStreams()) await client.deleteEventStream(s.id);
  dir = await mkdtemp(join(tmpdir(), 'ampstream-streams-'));
  vault = (await testVault(join(dir, 'vault.json'), 'pw')).vault;
  open = { kind: 'open', vault };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createStream', () => {
  it('resolves names, creates the stream, and has the password in the vault file when it returns', async () => {
    const outcome = await createStream(
      client,
      { name: 'SIEM', eventTypes: ['Threat Detected', '553648143'], groups: ['Audit'] },
      { vault: open },
    );
    expect(outcome.status).toBe('created');
    if (outcome.status !== 'created') return;
    expect(outcome.eventTypes.map((t) => t.id)).toEqual([1090519054, 553648143]);
    expect(outcome.groups.map((g) => g.name)).toEqual(['Audit']);
    const onDisk = await Vault.open({ path: vault.path, passphrase: 'pw' });
    const saved = await loadStreamCredentials(onDisk, outcome.stream.id);
    expect(saved).toMatchObject({
      apiBase: emu.apiUrl,
      user_name: outcome.stream.amqp_credentials.user_name,
      password: outcome.stream.amqp_credentials.password,
      queue_name: `event_stream_${outcome.stream.id}`,
      name: 'SIEM',
    });
    const remote = await client.eventStream(outcome.stream.id);
    expect(remote.event_types).toEqual([1090519054, 553648143]);
  });

  it('checks the vault takes a write, then POSTs, then stores the credentials before it returns', async () => {
    const order: string[] = [];
    const api: StreamsApi = {
      baseUrl: client.baseUrl,
      eventTypes: () => client.eventTypes(),
      groups: (q) => client.groups(q),
      eventStreams: () => client.eventStreams(),
      eventStream: (id) => client.eventStream(id),
      updateEventStream: (id, i) => client.updateEventStream(id, i),
      deleteEventStream: (id) => client.deleteEventStream(id),
      createEventStream: async (i) => {
        const r = await client.createEventStream(i);
        order.push('post');
        return r;
      },
    };
    const recording: VaultState = {
      kind: 'open',
      vault: {
        get: (n) => vault.get(n),
        names: () => vault.names(),
        set: (n, v) => vault.set(n, v),
        delete: (n) => vault.delete(n),
        update: async (change) => {
          await vault.update(change);
          order.push('stored');
        },
      },
    };
    await createStream(api, { name: 'ordered' }, { vault: recording });
    order.push('returned');
    expect(order).toEqual(['stored', 'post', 'stored', 'returned']);
  });

  it('refuses to create when the vault cannot be opened, without sending the POST', async () => {
    const locked: VaultState = {
      kind: 'unavailable',
      error: new AmpError('VAULT_NO_PASSPHRASE', 'no passphrase', { hint: 'set it' }),
    };
    const e = await failure(createStream(client, { name: 'nope' }, { vault: locked }));
    expect(e.code).toBe('VAULT_NO_PASSPHRASE');
    expect(e.hint).toContain('--show-password');
    expect(await client.eventStreams()).toEqual([]);
  });

  it('creates without a vault only when explicitly allowed (the password is then returned to the caller)', async () => {
    const outcome = await createStream(
      client,
      { name: 'shown' },
      { vault: { kind: 'absent' }, allowWithoutVault: true },
    );
    expect(
      outcome.status === 'created' &&
        outcome.stored === undefined &&
        outcome.stream.amqp_credentials.password.length > 0,
    ).toBe(true);
  });

  it('reports a failed vault write but leaves the created stream and its password with the caller', async () => {
    const broken: VaultState = {
      kind: 'open',
      vault: {
        ...vault,
        get: () => undefined,
        names: () => [],
        set: async () => undefined,
        delete: async () => false,
        // the check before the POST passes; the save after it finds the lock taken
        update: (() => {
          let calls = 0;
          return async (): Promise<void> => {
            if (++calls > 1) throw new AmpError('VAULT_LOCKED', 'held by another process');
          };
        })(),
      },
    };
    const outcome = await createStream(client, { name: 'unstored' }, { vault: broken });
    expect(outcome.status).toBe('created');
    if (outcome.status !== 'created') return;
    expect(outcome.stored !== undefined && 'error' in outcome.stored && outcome.stored.error.code).toBe(
      'VAULT_LOCKED',
    );
  });

  it('refuses a taken name before POSTing', async () => {
    await createStreamViaRest(emu, { name: 'dup' });
    const e = await failure(createStream(client, { name: 'dup' }, { vault: open }));
    expect(e.code).toBe('API_NAME_TAKEN');
    expect(e.exitCode).toBe(65);
    expect(await client.eventStreams()).toHaveLength(1);
  });

  it('refuses a sixth stream before POSTing, naming the five', async () => {
    for (let i = 0; i < 5; i++) await createStreamViaRest(emu, { name: `s${i}` });
    const e = await failure(createStream(client, { name: 'sixth' }, { vault: open }));
    expect(e.code).toBe('API_STREAM_LIMIT');
    expect(e.hint).toMatch(/delete one first.*s0.*s4/);
    expect((e.details['streams'] as unknown[]).length).toBe(5);
  });

  it('refuses unknown event types and groups before POSTing', async () => {
    expect(
      (await failure(createStream(client, { name: 'a', eventTypes: ['Threat Detectd'] }, { vault: open })))
        .code,
    ).toBe('UNKNOWN_EVENT_TYPE');
    expect(
      (await failure(createStream(client, { name: 'a', groups: ['Servrs'] }, { vault: open }))).message,
    ).toContain('did you mean "Servers"?');
    expect(await client.eventStreams()).toEqual([]);
  });
});

describe('update, view and delete', () => {
  it('updates name and filters by name, keeping the queue and credentials', async () => {
    const created = await createStream(
      client,
      { name: 'u1', eventTypes: ['Threat Detected'] },
      { vault: open },
    );
    if (created.status !== 'created') throw new Error('expected created');
    const { after } = await updateStream(client, 'u1', {
      name: 'u2',
      groups: ['Servers'],
      allEventTypes: true,
    });
    expect(after.name).toBe('u2');
    expect(after.event_types ?? []).toEqual([]);
    expect(after.group_guids).toHaveLength(1);
    expect(after.amqp_credentials.user_name).toBe(created.stream.amqp_credentials.user_name);
    const [view] = await describeStreams(client, [after], open);
    expect(view?.credentials).toBe('stored');
    expect(view?.groups[0]?.name).toBe('Servers');
  });

  it('refuses contradictory or empty updates', async () => {
    await createStreamViaRest(emu, { name: 'c' });
    expect(
      (await failure(updateStream(client, 'c', { eventTypes: ['1090519054'], allEventTypes: true }))).code,
    ).toBe('USAGE');
    expect((await failure(updateStream(client, 'c', {}))).code).toBe('USAGE');
  });

  it('tells stored, missing, stale and unknown credentials apart', async () => {
    const mine = await createStream(client, { name: 'mine' }, { vault: open });
    const foreign = await createStreamViaRest(emu, { name: 'foreign' });
    const stale = await createStreamViaRest(emu, { name: 'stale' });
    await saveStreamCredentials(vault, stale.id, {
      ...stale.amqp_credentials,
      user_name: 'someone-else',
      apiBase: 'x',
      name: 'stale',
    });
    const streams = await client.eventStreams();
    const views = await describeStreams(client, streams, open);
    const status = Object.fromEntries(views.map((v) => [v.name, v.credentials]));
    expect(status).toEqual({ mine: 'stored', foreign: 'missing', stale: 'stale' });
    expect(mine.status).toBe('created');
    expect(foreign.id).toBeGreaterThan(0);
    const locked = await describeStreams(client, streams, {
      kind: 'unavailable',
      error: new AmpError('VAULT_NO_PASSPHRASE', 'x'),
    });
    expect(locked.every((v) => v.credentials === 'unknown')).toBe(true);
  });

  it('deletes the stream and its vault entry', async () => {
    const created = await createStream(client, { name: 'gone' }, { vault: open });
    if (created.status !== 'created') throw new Error('expected created');
    const outcome = await deleteStream(client, await findStream(client, 'gone'), open);
    expect(outcome.localCredentials).toBe('removed');
    expect(vault.get(`stream/${created.stream.id}`)).toBeUndefined();
    expect((await failure(client.eventStream(created.stream.id))).code).toBe('API_NOT_FOUND');
  });
});
