import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AmpError } from '../errors.js';

/**
 * The emulator's durable state: API credentials, the organisation GUID, the next stream id
 * and every stream *including its AMQP password* (so the broker users can be re-created on
 * restart, the way the cloud keeps them). In memory unless a data dir is given; then it is
 * one JSON file, mode 0600, replaced atomically (temp file + fsync + rename) on each change.
 */

export interface StoredStream {
  readonly id: number;
  readonly name: string;
  /** empty = every event type */
  readonly eventTypes: readonly number[];
  /** empty = every group */
  readonly groupGuids: readonly string[];
  readonly userName: string;
  readonly password: string;
  readonly createdAt: string;
}

export interface EmulatorState {
  readonly version: 1;
  readonly clientId: string;
  readonly apiKey: string;
  readonly readOnlyApiKey: string;
  readonly orgGuid: string;
  readonly nextStreamId: number;
  readonly streams: readonly StoredStream[];
}

export const STATE_FILE = 'emulator-state.json';

/**
 * Stream ids start at a random point so that several emulators (parallel test files, other
 * developers) sharing one broker do not fight over `event_stream_<id>` queue names.
 */
const FIRST_ID_MIN = 1000;
const FIRST_ID_SPAN = 9_000_000;

export function freshState(random: (bytes: number) => Buffer = randomBytes): EmulatorState {
  return {
    version: 1,
    clientId: random(10).toString('hex'),
    apiKey: randomUUID(),
    readOnlyApiKey: randomUUID(),
    orgGuid: randomUUID(),
    nextStreamId: FIRST_ID_MIN + (random(4).readUInt32BE(0) % FIRST_ID_SPAN),
    streams: [],
  };
}

export interface StateStore {
  readonly state: EmulatorState;
  update(next: EmulatorState): Promise<void>;
  readonly persistent: boolean;
}

export function memoryStore(initial: EmulatorState = freshState()): StateStore {
  let state = initial;
  return {
    get state() {
      return state;
    },
    persistent: false,
    async update(next) {
      state = next;
    },
  };
}

/** Write `text` to `path` atomically with mode 0600 (temp file in the same dir, fsync, rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${STATE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function parseState(text: string, path: string): EmulatorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AmpError('EMULATOR', `emulator state file ${path} is not valid JSON`, {
      cause: e,
      hint: 'Fix or remove the file (removing it forgets the streams and keys).',
    });
  }
  const s = parsed as Partial<EmulatorState>;
  if (s.version !== 1 || typeof s.clientId !== 'string' || !Array.isArray(s.streams)) {
    throw new AmpError('EMULATOR', `emulator state file ${path} has an unknown layout`, {
      hint: 'Use another --data-dir, or remove the file (this forgets the streams and keys).',
    });
  }
  return s as EmulatorState;
}

/**
 * A further organisation of a multi-organisation emulator: fresh keys and GUID, stream ids in
 * a range of their own after the first organisation's, so ids stay unique across
 * organisations (as Cisco's are) and queue names never collide.
 */
export const ORG_ID_STRIDE = 1_000_000;
export function freshOrgState(first: EmulatorState, index: number): EmulatorState {
  return { ...freshState(), nextStreamId: first.nextStreamId + index * ORG_ID_STRIDE };
}

/** Load the state from `dataDir` (creating it on first use, from `initial`). */
export async function fileStore(
  dataDir: string,
  initial: () => EmulatorState = () => freshState(),
): Promise<StateStore> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, STATE_FILE);
  let state: EmulatorState;
  try {
    state = parseState(await readFile(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    state = initial();
    await writeFileAtomic(path, JSON.stringify(state, null, 2));
  }
  let writing: Promise<void> = Promise.resolve();
  return {
    get state() {
      return state;
    },
    persistent: true,
    update(next) {
      // serialise writes so an older state never lands after a newer one, and adopt the new
      // state only once it is on disk (a failed write leaves memory and file agreeing)
      writing = writing
        .catch(() => undefined)
        .then(() => writeFileAtomic(path, JSON.stringify(next, null, 2)))
        .then(() => {
          state = next;
        });
      return writing;
    },
  };
}
