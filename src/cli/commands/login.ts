import { readFile } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { REGION_API_URLS, normaliseBaseUrl, parseRegion, regionOfUrl } from '../../api/regions.js';
import { AmpError } from '../../errors.js';
import { apiCredentialsEntry, saveApiCredentials } from '../../secrets/credentials.js';
import { createHiddenPrompt } from '../../secrets/prompt.js';
import { VaultSession } from '../../secrets/session.js';
import { PROXY_FLAG_HELP, cliLogger, warnApiKeyFlag, warnProxyPasswordFlag } from '../connection.js';
import { parseProxyUrl } from '../../proxy/settings.js';
import { notice, printData, warn } from '../output.js';

/**
 * `ampstream login`: check API credentials against /v1/version (finding the region when none
 * is given) and store them in the vault, so later commands need no flags. The API key never
 * has to appear on the command line: prompt (hidden), --api-key-stdin, AMPSTREAM_API_KEY or
 * AMPSTREAM_API_KEY_FILE (`--api-key` works but warns).
 */

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').trim();
}

interface KeyFlags {
  readonly apiKey?: string | undefined;
  readonly apiKeyStdin?: boolean | undefined;
}

async function obtainApiKey(flags: KeyFlags, env: NodeJS.ProcessEnv): Promise<string> {
  if (flags.apiKey !== undefined) {
    warnApiKeyFlag();
    return flags.apiKey;
  }
  if (flags.apiKeyStdin === true) return readStdin();
  const fromEnv = env['AMPSTREAM_API_KEY']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = env['AMPSTREAM_API_KEY_FILE']?.trim();
  if (file !== undefined && file !== '') return (await readFile(file, 'utf8')).trim();
  if (process.stdin.isTTY === true) return createHiddenPrompt()('API key: ');
  throw new AmpError('CREDENTIALS_MISSING', 'no API key given', {
    hint: 'pipe it in with --api-key-stdin, set AMPSTREAM_API_KEY(_FILE), or run in a terminal to be asked',
  });
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('check Secure Endpoint API credentials and store them in the vault')
    .option('--region <region>', 'nam | eu | apjc (found automatically when omitted)')
    .option('--api-url <url>', 'API base URL for a private cloud or the emulator')
    .option('--client-id <id>', 'API client id (env AMPSTREAM_CLIENT_ID)')
    .option('--api-key-stdin', 'read the API key from stdin')
    .option('--api-key <key>', 'the API key (avoid: shell history)')
    .option('--ca <file>', 'extra trusted CA certificate, PEM')
    .option('--insecure', 'DISABLE TLS certificate verification (dangerous; for tests only)')
    .option('--proxy <url>', `${PROXY_FLAG_HELP}; stored with the login`)
    .option('--org <name>', 'store it as the login of this organisation (vault entry api/<name>)', 'default')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      // the API client (and undici) load when login runs, not in every ampstream process
      const [{ SecureEndpointClient }, { detectRegion }] = await Promise.all([
        import('../../api/client.js'),
        import('../../api/detect-region.js'),
      ]);
      const env = process.env;
      const entry = apiCredentialsEntry(opts.org); // a bad label fails before anything is asked
      if (opts.region !== undefined && opts.apiUrl !== undefined)
        throw new AmpError('USAGE', 'give --region or --api-url, not both');
      const clientId = opts.clientId ?? env['AMPSTREAM_CLIENT_ID']?.trim();
      if (clientId === undefined || clientId === '') {
        throw new AmpError('USAGE', 'the client id is required', {
          hint: 'pass --client-id ID (Console › Accounts › API Credentials)',
        });
      }
      const apiKey = await obtainApiKey(opts, env);
      if (apiKey === '') throw new AmpError('CREDENTIALS_MISSING', 'the API key is empty');
      const caPath = opts.ca ?? env['AMPSTREAM_CA']?.trim();
      const ca = caPath === undefined || caPath === '' ? undefined : await readFile(caPath, 'utf8');
      if (opts.proxy !== undefined) {
        parseProxyUrl(opts.proxy, '--proxy');
        warnProxyPasswordFlag(opts.proxy);
      }
      const common = {
        clientId,
        apiKey,
        logger: cliLogger(),
        insecure: opts.insecure === true,
        ...(ca === undefined ? {} : { ca }),
        ...(opts.proxy === undefined ? {} : { proxy: opts.proxy }),
      };
      if (opts.insecure === true) warn('TLS certificate verification is DISABLED (--insecure)');

      const regionInput =
        opts.region ?? (opts.apiUrl === undefined ? env['AMPSTREAM_REGION']?.trim() : undefined);
      const urlInput =
        opts.apiUrl ?? (opts.region === undefined ? env['AMPSTREAM_API_URL']?.trim() : undefined);
      let endpoint: { region: string } | { baseUrl: string };
      let apiVersion: string;
      if ((regionInput === undefined || regionInput === '') && (urlInput === undefined || urlInput === '')) {
        notice('finding the region of these credentials (North America, Europe, Asia Pacific)…');
        const found = await detectRegion(clientId, apiKey, common);
        endpoint = { region: String(found.region) };
        apiVersion = found.version;
      } else {
        endpoint =
          regionInput !== undefined && regionInput !== ''
            ? { region: parseRegion(regionInput) }
            : { baseUrl: normaliseBaseUrl(urlInput ?? '') };
        const client = new SecureEndpointClient({ ...common, ...endpoint });
        try {
          apiVersion = await client.version();
        } finally {
          await client.close();
        }
      }
      const baseUrl =
        'baseUrl' in endpoint ? endpoint.baseUrl : REGION_API_URLS[parseRegion(endpoint.region)];
      // a base URL that is a Cisco region is stored as the region (clearer, and follows host changes)
      const region = 'region' in endpoint ? endpoint.region : regionOfUrl(baseUrl);
      const vault = await new VaultSession().forWrite();
      await saveApiCredentials(
        vault,
        {
          clientId,
          apiKey,
          ...(region === undefined ? { baseUrl } : { region }),
          ...(ca === undefined ? {} : { ca }),
          ...(opts.proxy === undefined ? {} : { proxy: opts.proxy }),
        },
        opts.org,
      );
      notice(
        `credentials accepted by ${baseUrl} (API ${apiVersion || 'version unknown'}) and stored in the vault ${vault.path} as ${entry}`,
      );
      printData(
        opts.json === true,
        {
          clientId,
          ...(region === undefined ? {} : { region }),
          baseUrl,
          apiVersion,
          vault: vault.path,
          entry,
          ...(opts.org === 'default' ? {} : { org: opts.org }),
        },
        () =>
          `logged in: client id ${clientId}, ${region === undefined ? baseUrl : `region ${region} (${baseUrl})`}`,
      );
    });
}
