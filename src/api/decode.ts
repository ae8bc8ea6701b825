import { z } from 'zod';
import { AmpError } from '../errors.js';
import type { SecureEndpointEvent } from '../event/types.js';
import type { ApiComputer, ApiEventType, ApiGroup, CreatedEventStream, EventStream } from './types.js';

/**
 * Parse at the edge: each `data` item is checked once, here, against the fields the rest of
 * the code relies on (docs/secure-endpoint-api.md §2.3-2.4, §3.2-3.5); unknown fields are kept. Numbers that
 * the cloud has been seen to send either as numbers or as numeric strings are accepted both ways.
 */

const intLike = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const portLike = z.union([z.string(), z.number().int().transform(String)]);

const amqpCredentials = z.looseObject({
  user_name: z.string(),
  password: z.string().nullable().optional(),
  queue_name: z.string(),
  host: z.string(),
  port: portLike,
  proto: z.string(),
});

const eventStream = z.looseObject({
  id: intLike,
  name: z.string(),
  event_types: z.array(intLike).nullable().optional(),
  group_guids: z.array(z.string()).nullable().optional(),
  amqp_credentials: amqpCredentials,
});

const eventType = z.looseObject({
  id: intLike,
  name: z.string(),
  description: z.string().nullable().optional(),
});

const group = z.looseObject({ guid: z.string(), name: z.string() });

const computer = z.looseObject({ connector_guid: z.string() });

const event = z.looseObject({
  id: z.union([z.string().regex(/^-?\d+$/), z.number().int().transform(String)]),
  event_type_id: z.number().int(),
  timestamp: z.number(),
});

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'value'}: ${issue.message})`;
  throw new AmpError('API_BAD_RESPONSE', `unexpected ${what} in the API response${where}`, {
    hint: 'the API answered with a shape this version of ampstream does not know; please report it',
  });
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value))
    throw new AmpError('API_BAD_RESPONSE', `expected a list of ${what} in the API response`);
  return value as unknown[];
}

/** null lists (seen in older responses) become absent: "all". */
function cleanStream(s: z.output<typeof eventStream>): EventStream {
  const { event_types, group_guids, ...rest } = s;
  return {
    ...rest,
    ...(event_types === null || event_types === undefined ? {} : { event_types }),
    ...(group_guids === null || group_guids === undefined ? {} : { group_guids }),
  } as EventStream;
}

export function decodeStream(value: unknown): EventStream {
  return cleanStream(parse(eventStream, value, 'event stream'));
}

export function decodeStreams(value: unknown): EventStream[] {
  return list(value, 'event streams').map(decodeStream);
}

export function decodeCreatedStream(value: unknown): CreatedEventStream {
  const s = decodeStream(value);
  const password = s.amqp_credentials.password;
  if (typeof password !== 'string' || password === '') {
    throw new AmpError(
      'API_BAD_RESPONSE',
      `stream ${s.id} was created but the response has no AMQP password`,
      {
        details: { maybeSent: true },
      },
    );
  }
  return s as CreatedEventStream;
}

export function decodeEventTypes(value: unknown): ApiEventType[] {
  return list(value, 'event types').map((v) => {
    const t = parse(eventType, v, 'event type');
    return {
      id: t.id,
      name: t.name,
      ...(typeof t.description === 'string' ? { description: t.description } : {}),
    };
  });
}

export function decodeGroups(value: unknown): ApiGroup[] {
  return list(value, 'groups').map((v) => parse(group, v, 'group') as ApiGroup);
}

export function decodeComputer(value: unknown): ApiComputer {
  return parse(computer, value, 'computer');
}

export function decodeComputers(value: unknown): ApiComputer[] {
  return list(value, 'computers').map(decodeComputer);
}

/** Event ids are decimal strings (parsed losslessly upstream; short ones normalised here). */
export function decodeEvents(value: unknown): SecureEndpointEvent[] {
  return list(value, 'events').map((v) => parse(event, v, 'event') as unknown as SecureEndpointEvent);
}
