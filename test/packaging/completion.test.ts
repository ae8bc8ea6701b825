import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../cli/run-cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ampstream-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'ampstream.bash');
writeFileSync(script, completionScript(buildProgram(), 'bash'));

/** What bash offers for the command line `words` (the last word is the one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const line = words.map((w) => `'${w}'`).join(' ');
  const r = await run('bash', [
    '-c',
    `source '${script}'; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _ampstream_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('shell completion', () => {
  it('completes commands, subcommands, options and argument choices in bash', async () => {
    expect(await complete('ampstream', 'doc')).toEqual(['doctor']);
    expect(await complete('ampstream', 'streams', '')).toEqual(
      expect.arrayContaining(['list', 'show', 'create', 'update', 'delete']),
    );
    expect(await complete('ampstream', 'streams', 'create', '--na')).toEqual(['--name']);
    expect(await complete('ampstream', '--json', 'doctor', '--no-p')).toEqual(['--no-peek']);
    expect(await complete('ampstream', 'completion', '')).toEqual(
      expect.arrayContaining(['bash', 'zsh', 'fish']),
    );
  });

  it("leaves an option's value to the shell (file names), not to the command words", async () => {
    expect(await complete('ampstream', 'doctor', '--config', '')).toEqual([]);
  });

  it('follows the command definitions: a command added to the program completes', async () => {
    const program = buildProgram();
    program.command('brand-new').option('--shiny');
    const text = completionScript(program, 'bash');
    expect(text).toContain("'/brand-new') words='--shiny --help -h'");
  });

  it('prints a script for each shell from `ampstream completion`', async () => {
    const bash = await runCli(['completion', 'bash']);
    expect(bash.code).toBe(0);
    await run('bash', ['-n', '-c', bash.stdout]);
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef ampstream/);
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c ampstream -n '__fish_use_subcommand' -a 'doctor'");
    expect((await runCli(['completion', 'tcsh'])).code).toBe(64);
  }, 60_000);
});
