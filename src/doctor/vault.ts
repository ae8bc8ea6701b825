import { stat } from 'node:fs/promises';
import { PASSPHRASE_ENV, PASSPHRASE_FILE_ENV } from '../secrets/passphrase.js';
import type { VaultStatus } from '../secrets/session.js';
import { defaultVaultPath } from '../secrets/vault.js';
import { fail, ok, warnResult, type CheckResult } from './types.js';

/**
 * The vault: where it is, its file mode, where the passphrase comes from, and whether it opens.
 * `needed`: something in the config or the login lives in it (stream ids, vault: references).
 */
export async function checkVault(
  env: NodeJS.ProcessEnv,
  status: () => Promise<VaultStatus>,
  needed: boolean,
): Promise<CheckResult[]> {
  const S = 'vault';
  const path = defaultVaultPath(env);
  const st = await stat(path).catch(() => undefined);
  if (st === undefined) {
    return [
      needed
        ? fail(
            S,
            'file',
            `no vault at ${path}, but the config needs it (stream ids or vault: references)`,
            "run `ampstream login` and `ampstream streams create`, or set AMPSTREAM_VAULT to the vault's path",
            'SECRET_NOT_FOUND',
          )
        : ok(S, 'file', `no vault at ${path} (nothing needs one)`),
    ];
  }
  const out: CheckResult[] = [];
  const mode = st.mode & 0o777;
  const modeText = `0${mode.toString(8)}`;
  if ((mode & 0o077) !== 0)
    out.push(
      warnResult(
        S,
        'file',
        `${path} has mode ${modeText}: other users may read the encrypted vault`,
        `chmod 600 ${path}`,
      ),
    );
  else out.push(ok(S, 'file', `${path}, mode ${modeText}`));

  const direct = env[PASSPHRASE_ENV];
  const file = env[PASSPHRASE_FILE_ENV];
  if (direct !== undefined && direct !== '')
    out.push(
      ok(
        S,
        'passphrase',
        `from ${PASSPHRASE_ENV} (a file via ${PASSPHRASE_FILE_ENV} keeps it out of the process environment)`,
      ),
    );
  else if (file !== undefined && file !== '') {
    const fst = await stat(file).catch(() => undefined);
    if (fst === undefined)
      out.push(
        fail(
          S,
          'passphrase',
          `${PASSPHRASE_FILE_ENV}=${file} does not exist`,
          'point it at the file holding the passphrase',
          'VAULT_NO_PASSPHRASE',
        ),
      );
    else if ((fst.mode & 0o077) !== 0)
      out.push(
        warnResult(
          S,
          'passphrase',
          `from ${file}, mode 0${(fst.mode & 0o777).toString(8)}: readable by others`,
          `chmod 600 ${file}`,
        ),
      );
    else out.push(ok(S, 'passphrase', `from the file ${file} (${PASSPHRASE_FILE_ENV})`));
  } else if (process.stdin.isTTY === true)
    out.push(
      warnResult(
        S,
        'passphrase',
        'asked at the terminal: fine interactively, but a daemon has no terminal',
        `for ampstream run set ${PASSPHRASE_FILE_ENV} (systemd: LoadCredential=)`,
      ),
    );
  else
    out.push(
      fail(
        S,
        'passphrase',
        'no passphrase source: neither variable is set and there is no terminal',
        `set ${PASSPHRASE_FILE_ENV}=/path/to/file (or ${PASSPHRASE_ENV})`,
        'VAULT_NO_PASSPHRASE',
      ),
    );

  const s = await status();
  if (s.kind === 'open') out.push(ok(S, 'opens', `unlocked; ${s.vault.names().length} entr(y/ies)`));
  else if (s.kind === 'unavailable') out.push(fail(S, 'opens', s.error.message, s.error.hint, s.error.code));
  return out;
}
