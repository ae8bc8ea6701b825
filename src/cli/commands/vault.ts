import type { Command } from '@commander-js/extra-typings';
import { AmpError } from '../../errors.js';
import { openUserVault } from '../../secrets/open.js';
import { createHiddenPrompt } from '../../secrets/prompt.js';
import { VaultSession } from '../../secrets/session.js';
import { assertEntryName, defaultVaultPath, vaultExists } from '../../secrets/vault.js';
import { notice, printData } from '../output.js';

/**
 * `ampstream vault path|list|set|delete`. Values are never printed: `list` shows names only;
 * `set` reads the value from stdin or a hidden prompt (never a command-line argument), for
 * config references like `token: vault:splunk-token`.
 */

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerVault(program: Command): void {
  const vault = program
    .command('vault')
    .description('the encrypted credential vault (AMPSTREAM_VAULT, AMPSTREAM_VAULT_PASSPHRASE[_FILE])');

  addReport(vault, 'path', 'print where the vault file is (and whether it exists)', async () => {
    const path = defaultVaultPath();
    const exists = await vaultExists(path);
    if (!exists) notice('(the vault does not exist yet; `ampstream login` or `streams create` creates it)');
    return { data: { path, exists }, text: () => path };
  });

  addReport(vault, 'list', 'list entry names (never values)', async () => {
    const v = await openUserVault({ create: false });
    if (v === undefined) notice(`(no vault at ${defaultVaultPath()})`);
    const names = v?.names() ?? [];
    return { data: names, text: () => names.join('\n') };
  });

  vault
    .command('set')
    .description('store a secret under NAME (value from stdin, or asked without echo)')
    .argument('<name>', 'entry name, e.g. splunk-token')
    .action(async (name) => {
      assertEntryName(name);
      const value =
        process.stdin.isTTY === true ? await createHiddenPrompt()(`Value for ${name}: `) : await readStdin();
      if (value === '') throw new AmpError('USAGE', 'refusing to store an empty value');
      const v = await new VaultSession().forWrite();
      await v.set(name, value);
      notice(`stored ${name} in ${v.path} (reference it as vault:${name})`);
    });

  vault
    .command('delete')
    .description('remove an entry')
    .argument('<name>', 'entry name')
    .action(async (name) => {
      const v = await openUserVault({ create: false });
      if (v === undefined || !(await v.delete(name))) {
        throw new AmpError('SECRET_NOT_FOUND', `the vault has no entry "${name}"`, {
          hint: 'see `ampstream vault list`',
        });
      }
      notice(`deleted ${name}`);
    });
}

/** A read-only subcommand that prints `data` as JSON with --json, else `text()`. */
function addReport(
  parent: Command,
  name: string,
  description: string,
  report: () => Promise<{ readonly data: unknown; readonly text: () => string }>,
): void {
  parent
    .command(name)
    .description(description)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { data, text } = await report();
      printData(opts.json === true, data, text);
    });
}
