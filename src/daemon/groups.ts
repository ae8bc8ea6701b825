import { AmpError } from '../errors.js';
import { apiLoginOf, loadApiCredentials, type CredentialVaultReader } from '../secrets/credentials.js';

/**
 * Group names in sink filters → GUIDs, through the API login stored in the vault
 * (`ampstream login`). Names are matched exactly, then case-insensitively; an unknown name is
 * a configuration error (events carry GUIDs only, so a typo would silently filter out all).
 */
export async function resolveGroupsViaApi(
  names: readonly string[],
  vault: () => Promise<CredentialVaultReader | undefined>,
): Promise<ReadonlyMap<string, string>> {
  const v = await vault();
  const login = v === undefined ? undefined : await loadApiCredentials(v);
  if (login === undefined) {
    throw new AmpError(
      'CREDENTIALS_MISSING',
      `sink filters name groups (${names.join(', ')}) but there is no API login to resolve them`,
      {
        hint: 'run `ampstream login`, or use group GUIDs in filter.groups (`ampstream groups` lists them)',
      },
    );
  }
  // the API client (and undici) load only for a config that names groups
  const { SecureEndpointClient } = await import('../api/client.js');
  const client = new SecureEndpointClient({
    ...apiLoginOf(login),
  });
  try {
    const groups: { name: string; guid: string }[] = [];
    for await (const g of client.groups()) groups.push({ name: g.name, guid: g.guid });
    const out = new Map<string, string>();
    for (const name of names) {
      const g =
        groups.find((x) => x.name === name) ??
        groups.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (g === undefined) {
        throw new AmpError('UNKNOWN_GROUP', `no group named "${name}" (used in a sink filter)`, {
          hint: 'list groups with `ampstream groups`',
          exitCode: 78,
        });
      }
      out.set(name, g.guid);
    }
    return out;
  } finally {
    await client.close();
  }
}
