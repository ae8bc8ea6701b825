import { describe, expect, it } from 'vitest';
import { clean, renderTailLine } from '../../src/cli/live/tail-line.js';
import type { SecureEndpointEvent } from '../../src/event/types.js';
import { loadEventFixtures } from '../fixtures/events/load.js';

const fixtures = loadEventFixtures();
const event = (prefix: string): SecureEndpointEvent => {
  const f = fixtures.find((x) => x.name.startsWith(prefix));
  if (f === undefined) throw new Error(prefix);
  return f.decoded.event;
};

describe('tail line', () => {
  it('shows time, type, severity, host, user, detection and file with a sha256 prefix', () => {
    const line = renderTailLine(event('e01'));
    expect(line).toMatch(
      /^2023-11-14 22:13:20Z {2}Threat Detected {2,}Medium {2,}WS-FIN-042 {2,}jdoe@CORP {2,}W32\.Example\.Trojan {2}invoice\.exe sha256:aa11bb22cc33$/,
    );
  });

  it('falls back to the IOC, incident, vulnerability or scan when there is no detection', () => {
    expect(renderTailLine(event('e05'))).toContain('W32.PowershellDownloadedExecutable.ioc');
    expect(renderTailLine(event('e06'))).toMatch(/CVE-\d{4}-\d+/);
    expect(renderTailLine(event('e09'))).toMatch(/clean/);
    expect(renderTailLine(event('e12'))).toContain(event('e12').threat_hunting?.incident_title ?? '?');
  });

  it('renders every fixture as exactly one line, with "-" for missing severity and user', () => {
    for (const f of fixtures) {
      const line = renderTailLine(f.decoded.event);
      expect(line).not.toMatch(/[\n\r]/);
      expect(line.length).toBeGreaterThan(40);
    }
    expect(renderTailLine(event('e08'))).toMatch(/Policy Update {2,}- {2,}/);
  });

  it('colours the severity only when asked', () => {
    expect(renderTailLine(event('e01'))).not.toContain('\u001b[');
    const coloured = renderTailLine(event('e01'), { color: true });
    expect(coloured).toContain('\u001b[33mMedium'); // yellow
  });

  it('never lets control characters from the event reach the terminal', () => {
    const e = { ...event('e01'), detection: 'evil\u001b[2J\u001b]0;pwned\u0007name\nnext' };
    const line = renderTailLine(e);
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain('evil?[2J?]0;pwned?name?next');
    expect(clean('x'.repeat(200)).length).toBe(80);
  });
});
