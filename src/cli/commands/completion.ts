import { Argument, type Command } from '@commander-js/extra-typings';
import { completionScript, shells } from '../completion.js';

/** `ampstream completion bash|zsh|fish`: the completion script, generated from the commands. */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'bash | zsh | fish').choices(shells))
    .addHelpText(
      'after',
      '\nExamples:\n  source <(ampstream completion bash)\n  ampstream completion fish > ~/.config/fish/completions/ampstream.fish',
    )
    .action((shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
