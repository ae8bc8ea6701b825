import type { Hono } from 'hono';
import { AmpError } from '../../errors.js';
import { TEXT_NOT_FOUND } from '../streams.js';
import { type RestDeps, jsonResponse } from './context.js';
import { errorBody } from './envelope.js';

/**
 * The emulator's own extension (not part of the Secure Endpoint API):
 *
 *   POST /emulator/v1/event_streams/{id}/events     (Basic auth, read & write key)
 *   body: JSON lines (application/x-ndjson), at most MAX_INJECT_BYTES
 *
 * Each non-empty line (a trailing CR is part of the line ending) becomes one message in the
 * stream's queue, its bytes unchanged, valid JSON or not (that is how poison messages are
 * tested). All lines or none: 202 {"data":{"published":N}} once the messages are stored
 * (fsynced with --data-dir); 404 unknown stream; 409 queue length limit; 413 body too large.
 */

/** (16 MiB) largest injection body */
export const MAX_INJECT_BYTES = 16 * 1024 * 1024;
export const INJECT_PATH = '/emulator/v1/event_streams/:id/events';

const tooLarge = (): AmpError => {
  const text = `Request body larger than ${MAX_INJECT_BYTES} bytes: split the file`;
  return new AmpError('EMULATOR', text, { details: { status: 413, messages: [text] } });
};

async function readLimited(req: Request): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > MAX_INJECT_BYTES) throw tooLarge();
  if (req.body === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = (req.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_INJECT_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}

/** Non-empty lines of `body`, bytes unchanged (LF or CRLF endings). */
export function splitLines(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    if (stop > start) out.push(body.subarray(start, stop));
    start = end + 1;
  }
  return out;
}

export function registerInjectRoutes(app: Hono, deps: RestDeps): void {
  app.post(INJECT_PATH, async (c) => {
    const raw = c.req.param('id');
    if (!/^\d{1,15}$/.test(raw)) return jsonResponse(c, 404, errorBody(404, [TEXT_NOT_FOUND]));
    const id = Number(raw);
    deps.streams.get(id); // 404 before reading the body
    let body: Buffer;
    try {
      body = await readLimited(c.req.raw);
    } catch (e) {
      // the rest of the upload is not read: the connection cannot carry another request
      c.header('connection', 'close');
      throw e;
    }
    const lines = splitLines(body);
    const published = await deps.streams.inject(id, lines);
    deps.logger.info({ streamId: id, published }, 'emulator: events injected');
    return jsonResponse(c, 202, JSON.stringify({ data: { published } }));
  });
}
