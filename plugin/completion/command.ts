import { Command, Option } from 'clipanion';
import { closest } from '../../policies/suggest.js';
import { BaseCommand, UserError } from '../cli/base.js';
import type { CompletionHints } from './complete.js';
import { SHELLS, type Shell } from './scripts.js';

export class CompletionCommand extends BaseCommand {
  static override paths = [['completion']];
  static completions: CompletionHints = { positionals: [SHELLS] };
  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Print a shell completion script (bash, zsh or fish)',
    details: `
      The script completes \`kubectl-graphdata\` typed directly: commands (scaffold kinds too), flags and their values (\`-o\`, \`--mode\`, …).

      For \`kubectl graphdata <TAB>\`, kubectl 1.26 and later run \`kubectl_complete-graphdata\` from PATH; it ships next to \`kubectl-graphdata\` (npm installs both; with krew, link it into \`~/.krew/bin\`).
    `,
    examples: [
      ['Enable completion in the current bash', 'source <($0 completion bash)'],
      ['Install for zsh', '$0 completion zsh > "$' + '{fpath[1]}/_kubectl-graphdata"'],
      ['Install for fish', '$0 completion fish > ~/.config/fish/completions/kubectl-graphdata.fish'],
    ],
  });

  shell = Option.String({ required: false, name: 'shell' });

  async run(): Promise<number> {
    const shell = this.checkShell();
    const [{ completionScript }, { packageRoot }, { join }] = await Promise.all([
      import('./scripts.js'),
      import('../../common/package-root.js'),
      import('node:path'),
    ]);
    this.context.stdout.write(completionScript(shell, join(packageRoot(), 'bin', 'kubectl_complete-graphdata')));
    return 0;
  }

  private checkShell(): Shell {
    const shells = SHELLS.join(', ');
    if (!this.shell)
      throw new UserError('completion needs a shell', `one of: ${shells}; e.g. kubectl graphdata completion bash`, 2);
    const match = SHELLS.find((s) => s === this.shell);
    if (match) return match;
    const guess = closest(this.shell, SHELLS);
    throw new UserError(
      `unsupported shell "${this.shell}"${guess ? ` — did you mean "${guess}"?` : ''}`,
      `one of: ${shells}`,
      2,
    );
  }
}
