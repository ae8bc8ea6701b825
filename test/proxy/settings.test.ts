import { describe, expect, it } from 'vitest';
import { bypassesProxy, parseProxyUrl, resolveProxy } from '../../src/proxy/settings.js';

describe('proxy settings', () => {
  it('parses http://user:password@host:port and shows it without the password', () => {
    const p = parseProxyUrl('http://svc%40corp:p%3Ass@proxy.corp:3128', 'test');
    expect(p).toEqual({
      host: 'proxy.corp',
      port: 3128,
      username: 'svc@corp',
      password: 'p:ss',
      display: 'http://svc%40corp@proxy.corp:3128',
    });
  });

  it('takes a bare host:port as http and defaults the port to 80', () => {
    expect(parseProxyUrl('proxy.corp:8080', 'test').display).toBe('http://proxy.corp:8080');
    expect(parseProxyUrl('http://proxy.corp', 'test')).toMatchObject({
      port: 80,
      display: 'http://proxy.corp:80',
    });
  });

  it('refuses https:// and socks proxies with CONFIG_INVALID and keeps the password out of the message', () => {
    for (const url of ['https://u:hunter22@p:443', 'socks5://u:hunter22@p:1080']) {
      try {
        parseProxyUrl(url, 'env HTTPS_PROXY');
        expect.unreachable();
      } catch (e) {
        expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
        expect(JSON.stringify((e as { toJSON(): unknown }).toJSON())).not.toContain('hunter22');
        expect((e as Error).message).toContain('env HTTPS_PROXY');
      }
    }
  });

  it('matches NO_PROXY entries by host, domain suffix, wildcard and port', () => {
    expect(bypassesProxy('api.eu.amp.cisco.com', 443, 'cisco.com')).toBe(true);
    expect(bypassesProxy('api.eu.amp.cisco.com', 443, '.amp.cisco.com')).toBe(true);
    expect(bypassesProxy('api.eu.amp.cisco.com', 443, '*.cisco.com')).toBe(true);
    expect(bypassesProxy('notcisco.com', 443, 'cisco.com')).toBe(false);
    expect(bypassesProxy('localhost', 5671, 'example.org localhost:5671')).toBe(true);
    expect(bypassesProxy('localhost', 443, 'localhost:5671')).toBe(false);
    expect(bypassesProxy('127.0.0.1', 8443, '10.0.0.1,127.0.0.1')).toBe(true);
    expect(bypassesProxy('anything', 1, '*')).toBe(true);
    expect(bypassesProxy('anything', 1, ' , ')).toBe(false);
  });

  it('prefers a configured proxy, then https_proxy/HTTPS_PROXY, then http_proxy/HTTP_PROXY, unless NO_PROXY matches', () => {
    const target = { host: 'api.amp.cisco.com', port: 443 };
    expect(resolveProxy({ ...target, env: {} })).toBeUndefined();
    expect(resolveProxy({ ...target, env: { HTTP_PROXY: 'http://h:1' } })?.display).toBe('http://h:1');
    expect(
      resolveProxy({ ...target, env: { HTTP_PROXY: 'http://h:1', HTTPS_PROXY: 'http://s:2' } })?.display,
    ).toBe('http://s:2');
    expect(
      resolveProxy({ ...target, env: { https_proxy: 'http://l:3', HTTPS_PROXY: 'http://s:2' } })?.display,
    ).toBe('http://l:3');
    expect(
      resolveProxy({ ...target, configured: 'http://c:4', env: { HTTPS_PROXY: 'http://s:2' } })?.display,
    ).toBe('http://c:4');
    expect(
      resolveProxy({ ...target, env: { HTTPS_PROXY: 'http://s:2', no_proxy: 'amp.cisco.com' } }),
    ).toBeUndefined();
    // a configured proxy is not subject to NO_PROXY: it was asked for explicitly
    expect(resolveProxy({ ...target, configured: 'http://c:4', env: { NO_PROXY: '*' } })?.display).toBe(
      'http://c:4',
    );
  });
});
