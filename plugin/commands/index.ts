// Every command class, one per file. Their modules are light: heavy work (YAML, the
// engine, the cluster client) is imported inside run() so start-up stays fast.
import type { CommandClass } from 'clipanion';
import { CompletionCommand } from './completion.js';
import { ExplainCommand } from './explain.js';
import { InjectCommand } from './inject.js';
import { ScaffoldCommand } from './scaffold.js';
import { ValidateCommand } from './validate.js';
import { VersionCommand } from './version.js';

export const COMMANDS: CommandClass[] = [
  ScaffoldCommand,
  ValidateCommand,
  InjectCommand,
  ExplainCommand,
  VersionCommand,
  CompletionCommand,
];
