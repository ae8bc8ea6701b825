import pc from 'picocolors';
import { AmpError, ExitCode, toAmpError } from '../errors.js';
import { redactUrls } from '../telemetry/redact.js';
import { escapeControl } from '../util/terminal.js';

/**
 * CLI output rules (docs/architecture.md, Interfaces): stdout carries data only (tables or `--json`), so
 * `ampstream … --json | jq` works; progress, notices and errors go to stderr.
 */

/** Write data to stdout: JSON (one document, pretty) when `json` is set, else the text. */
export function printData(json: boolean, data: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(`${escapeControl(text(), { keepNewlines: true })}\n`);
}

/** A human notice on stderr. */
export function notice(message: string): void {
  process.stderr.write(`${escapeControl(message, { keepNewlines: true })}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${pc.yellow('warning:')} ${escapeControl(message, { keepNewlines: true })}\n`);
}

/** Format a simple left-aligned table (no colours, so it pipes cleanly). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => escapeControl(r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map((r) => line(r.map((c) => escapeControl(c))))].join('\n');
}

/**
 * Print an error the way every command does: what happened, the hint, and (with --json) the
 * error object on stdout. Returns the exit code. Secrets are never in AmpError messages; URLs
 * are redacted once more for anything that came from a third-party library.
 */
export function reportError(e: unknown, json = false): number {
  const err: AmpError = toAmpError(e);
  if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
  const safe = (t: string): string => escapeControl(t, { keepNewlines: true });
  process.stderr.write(`${pc.red('error:')} ${safe(redactUrls(err.message))}${pc.dim(` [${err.code}]`)}\n`);
  if (err.hint !== undefined) process.stderr.write(`${pc.cyan('hint:')} ${safe(err.hint)}\n`);
  if (err.code === 'INTERNAL' && err.cause instanceof Error && err.cause.stack !== undefined) {
    process.stderr.write(`${pc.dim(redactUrls(err.cause.stack))}\n`);
  }
  return err.exitCode === ExitCode.OK ? ExitCode.SOFTWARE : err.exitCode;
}
