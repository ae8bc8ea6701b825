import { streamNameProblem } from '../streams/names.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AmpError } from '../errors.js';
import { bindingDiff, bindingKeys, queueNameFor } from './broker/routing.js';
import type { StreamBroker } from './broker/stream-broker.js';
import type { StateStore, StoredStream } from './state.js';

/**
 * Event-stream lifecycle (docs/secure-endpoint-api.md §2): validation, the 5-per-org limit, unique names,
 * credentials, and the matching broker objects — a durable queue with the 10-day TTL bound
 * to the stream's filters, and a broker user who may only read that queue.
 *
 * Failures are AmpErrors whose code the REST layer maps to a status; `details.messages`
 * become the envelope's `details` array:
 *   API_BAD_REQUEST / API_NAME_TAKEN / API_STREAM_LIMIT → 400, API_NOT_FOUND → 404.
 */

/** The cloud's limit of active event streams per organisation (docs/secure-endpoint-api.md §2.7) */
export const MAX_STREAMS_PER_ORG = 5;
export const TEXT_NOT_FOUND = 'Event stream not found';
export const TEXT_NAME_TAKEN = 'Name has already been taken';
export const TEXT_LIMIT = 'Event stream limit reached';

/** Request fields after body parsing; undefined = not sent. */
export interface StreamInput {
  readonly name?: string | undefined;
  readonly eventTypes?: readonly string[] | undefined;
  readonly groupGuids?: readonly string[] | undefined;
}

export interface StreamView {
  readonly id: number;
  readonly name: string;
  readonly event_types: readonly number[];
  readonly group_guids: readonly string[];
  readonly amqp_credentials: {
    readonly user_name: string;
    readonly password?: string;
    readonly queue_name: string;
    readonly host: string;
    readonly port: string;
    readonly proto: 'https';
  };
}

export interface StreamServiceOptions {
  readonly store: StateStore;
  readonly broker: StreamBroker;
  /** handed out instead of per-stream users when the broker has none (RabbitMQ without management) */
  readonly brokerCredentials: { readonly user: string; readonly password: string };
  readonly validEventTypes: ReadonlySet<number>;
  readonly validGroupGuids: ReadonlySet<string>;
  readonly amqpHost: string;
  readonly amqpPort: number;
  readonly logger: Logger;
}

function badRequest(
  code: 'API_BAD_REQUEST' | 'API_NAME_TAKEN' | 'API_STREAM_LIMIT',
  messages: string[],
): AmpError {
  return new AmpError(code, messages.join('; '), { details: { status: 400, messages } });
}

export class StreamService {
  readonly #o: StreamServiceOptions;
  /** mutations run one at a time: the limit and name checks must see every earlier change */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: StreamServiceOptions) {
    this.#o = options;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  list(): StreamView[] {
    return this.#o.store.state.streams.map((s) => this.#view(s, false));
  }

  get(id: number): StreamView {
    return this.#view(this.#find(id), false);
  }

  #find(id: number): StoredStream {
    const s = this.#o.store.state.streams.find((x) => x.id === id);
    if (s === undefined) {
      throw new AmpError('API_NOT_FOUND', TEXT_NOT_FOUND, {
        details: { status: 404, messages: [TEXT_NOT_FOUND] },
      });
    }
    return s;
  }

  #view(s: StoredStream, withPassword: boolean): StreamView {
    const fallback = !this.#o.broker.perStreamUsers;
    const user = fallback ? this.#o.brokerCredentials.user : s.userName;
    const password = fallback ? this.#o.brokerCredentials.password : s.password;
    return {
      id: s.id,
      name: s.name,
      event_types: s.eventTypes,
      group_guids: s.groupGuids,
      amqp_credentials: {
        user_name: user,
        ...(withPassword ? { password } : {}),
        queue_name: queueNameFor(s.id),
        host: this.#o.amqpHost,
        port: String(this.#o.amqpPort),
        proto: 'https',
      },
    };
  }

  #validateName(name: string | undefined, required: boolean, exceptId?: number): string | undefined {
    if (name === undefined && !required) return undefined;
    const trimmed = name?.trim() ?? '';
    if (trimmed === '') throw badRequest('API_BAD_REQUEST', ['name is required']);
    const problem = streamNameProblem(trimmed);
    if (problem !== undefined) throw badRequest('API_BAD_REQUEST', [problem]);
    if (this.#o.store.state.streams.some((s) => s.name === trimmed && s.id !== exceptId)) {
      throw badRequest('API_NAME_TAKEN', [TEXT_NAME_TAKEN]);
    }
    return trimmed;
  }

  #validateFilters(input: StreamInput): { eventTypes?: number[]; groupGuids?: string[] } {
    const errors: string[] = [];
    let eventTypes: number[] | undefined;
    if (input.eventTypes !== undefined) {
      eventTypes = [];
      for (const raw of input.eventTypes) {
        const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
        if (!this.#o.validEventTypes.has(n))
          errors.push(`event_type ${JSON.stringify(raw)} is not a valid event type id`);
        else if (!eventTypes.includes(n)) eventTypes.push(n);
      }
    }
    let groupGuids: string[] | undefined;
    if (input.groupGuids !== undefined) {
      groupGuids = [];
      for (const raw of input.groupGuids) {
        const g = raw.trim().toLowerCase();
        if (!this.#o.validGroupGuids.has(g))
          errors.push(`group_guid ${JSON.stringify(raw)} is not a group of this organization`);
        else if (!groupGuids.includes(g)) groupGuids.push(g);
      }
    }
    if (errors.length > 0) throw badRequest('API_BAD_REQUEST', errors);
    return {
      ...(eventTypes === undefined ? {} : { eventTypes }),
      ...(groupGuids === undefined ? {} : { groupGuids }),
    };
  }

  /** POST: the only response that carries the password. */
  create(input: StreamInput): Promise<StreamView> {
    return this.#serial(async () => {
      const name = this.#validateName(input.name, true)!;
      const filters = this.#validateFilters(input);
      const state = this.#o.store.state;
      if (state.streams.length >= MAX_STREAMS_PER_ORG) throw badRequest('API_STREAM_LIMIT', [TEXT_LIMIT]);
      let id = state.nextStreamId;
      // another emulator on this broker may own event_stream_<id>: skip to a free one
      while (await this.#o.broker.queueExists(queueNameFor(id))) id++;
      const stream: StoredStream = {
        id,
        name,
        eventTypes: filters.eventTypes ?? [],
        groupGuids: filters.groupGuids ?? [],
        userName: `${id}-${randomBytes(10).toString('hex')}`,
        password: randomBytes(20).toString('hex'),
        createdAt: new Date().toISOString(),
      };
      try {
        await this.#provision(stream);
        await this.#o.store.update({ ...state, nextStreamId: id + 1, streams: [...state.streams, stream] });
      } catch (e) {
        // all or nothing: no queue or user may outlive a failed create
        await this.#deprovision(stream).catch(() => undefined);
        throw e;
      }
      this.#o.logger.info({ streamId: id, name }, 'emulator: event stream created');
      return this.#view(stream, true);
    });
  }

  update(id: number, input: StreamInput): Promise<StreamView> {
    return this.#serial(async () => {
      const current = this.#find(id);
      const name = this.#validateName(input.name, false, id);
      const filters = this.#validateFilters(input);
      const next: StoredStream = {
        ...current,
        ...(name === undefined ? {} : { name }),
        ...(filters.eventTypes === undefined ? {} : { eventTypes: filters.eventTypes }),
        ...(filters.groupGuids === undefined ? {} : { groupGuids: filters.groupGuids }),
      };
      const org = this.#o.store.state.orgGuid;
      const diff = bindingDiff(
        bindingKeys(org, current.eventTypes, current.groupGuids),
        bindingKeys(org, next.eventTypes, next.groupGuids),
      );
      // bind the new keys before removing the old ones: no window where nothing matches
      await this.#o.broker.bind(queueNameFor(id), diff.add);
      await this.#o.broker.unbind(queueNameFor(id), diff.remove);
      const state = this.#o.store.state;
      await this.#o.store.update({ ...state, streams: state.streams.map((s) => (s.id === id ? next : s)) });
      return this.#view(next, false);
    });
  }

  delete(id: number): Promise<void> {
    return this.#serial(async () => {
      const stream = this.#find(id);
      await this.#deprovision(stream);
      const state = this.#o.store.state;
      await this.#o.store.update({ ...state, streams: state.streams.filter((s) => s.id !== id) });
      this.#o.logger.info({ streamId: id }, 'emulator: event stream deleted');
    });
  }

  /** Create the queue, its bindings and the broker user (idempotent: also used on restart). */
  async #provision(s: StoredStream): Promise<void> {
    const queue = queueNameFor(s.id);
    await this.#o.broker.declareStreamQueue(queue);
    await this.#o.broker.bind(queue, bindingKeys(this.#o.store.state.orgGuid, s.eventTypes, s.groupGuids));
    await this.#o.broker.putStreamUser(s.userName, s.password, queue);
  }

  /** Consumers get basic.cancel (queue deleted), then the user and its connections go. */
  async #deprovision(s: StoredStream): Promise<void> {
    await this.#o.broker.deleteQueue(queueNameFor(s.id));
    await this.#o.broker.deleteStreamUser(s.userName);
  }

  /**
   * The injection endpoint: each body into the stream's queue as one message, bytes
   * unchanged, all or nothing; resolves once durable (API_NOT_FOUND for an unknown stream).
   */
  async inject(id: number, bodies: readonly Buffer[]): Promise<number> {
    const s = this.#find(id);
    if (bodies.length > 0) await this.#o.broker.inject(queueNameFor(s.id), bodies);
    return bodies.length;
  }

  /** Fault injection: close every broker connection of the stream's user (320 CONNECTION_FORCED). */
  async closeConnections(id: number): Promise<number> {
    return this.#o.broker.closeConnectionsOf(this.#find(id).userName);
  }

  /** Fault injection: delete the stream's queue under its consumers (the stream stays listed). */
  async deleteQueue(id: number): Promise<void> {
    await this.#o.broker.deleteQueue(queueNameFor(this.#find(id).id));
  }

  /** Messages ready in the stream's queue (undefined: the queue is gone). */
  async queueDepth(id: number): Promise<number | undefined> {
    return this.#o.broker.queueDepth(queueNameFor(this.#find(id).id));
  }

  /** On start with a data dir: re-create queues, bindings and users of the stored streams. */
  async restore(): Promise<void> {
    for (const s of this.#o.store.state.streams) await this.#provision(s);
  }

  /** On close of an in-memory emulator: remove every queue and user it created. */
  async removeAll(): Promise<void> {
    await this.#serial(async () => {
      for (const s of this.#o.store.state.streams) {
        await this.#deprovision(s).catch((e: unknown) =>
          this.#o.logger.warn({ streamId: s.id, err: (e as Error).message }, 'emulator: cleanup failed'),
        );
      }
      await this.#o.store.update({ ...this.#o.store.state, streams: [] });
    });
  }
}
