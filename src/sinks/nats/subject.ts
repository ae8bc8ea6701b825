import type { SecureEndpointEvent } from '../../event/types.js';

/**
 * Subject templates. NATS subjects are dot-separated tokens; a token may not be empty nor
 * hold whitespace, '.', '*' or '>' (NATS docs, "Subject-Based Messaging"). A placeholder's
 * value is cleaned to that alphabet (anything else becomes "_"), and an absent value becomes
 * "unknown", so every event gets a valid subject. Pure.
 */
export const PLACEHOLDERS = [
  'event_type_id',
  'event_type',
  'severity',
  'hostname',
  'connector_guid',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export function subjectToken(value: string | number | undefined): string {
  const s = value === undefined ? '' : String(value);
  const clean = s.replace(/[^A-Za-z0-9_-]/g, '_');
  return clean === '' ? 'unknown' : clean;
}

function valueOf(e: SecureEndpointEvent, p: string): string | number | undefined {
  switch (p as Placeholder) {
    case 'event_type_id':
      return e.event_type_id;
    case 'event_type':
      return e.event_type;
    case 'severity':
      return e.severity?.toLowerCase();
    case 'hostname':
      return e.computer?.hostname;
    case 'connector_guid':
      return e.connector_guid ?? e.computer?.connector_guid;
  }
  return undefined;
}

/** Unknown placeholders are a config error: report them once, at start. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z_]+)\}/g)]
    .map((m) => m[1]!)
    .filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
}

export function renderSubject(template: string, e: SecureEndpointEvent): string {
  if (!template.includes('{')) return template;
  return template.replace(/\{([a-z_]+)\}/g, (_, p: string) => subjectToken(valueOf(e, p)));
}

/** The stream subjects that cover every subject a template can produce ({x} → *). */
export function subjectFilter(template: string): string {
  return template.replace(/\{[a-z_]+\}/g, '*');
}
