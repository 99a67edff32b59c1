// Every command class, one per command path, each in its folder's command.ts (`scaffold
// spark` is plugin/scaffold/spark/command.ts). The top-level help, usage errors and shell completion are all built from
// this list: registering a class here is all a new command needs. Their modules are
// light: heavy work (YAML, the engine, the cluster client) is imported inside run() so
// start-up stays fast.
import type { CommandClass } from 'clipanion';
import { AuditCommand } from './audit/command.js';
import { CertsGenerateCommand } from './certs/generate/command.js';
import { CertsInspectCommand } from './certs/inspect/command.js';
import { CertsRotateCommand } from './certs/rotate/command.js';
import { CompletionCommand } from './completion/command.js';
import { DisableCommand } from './disable/command.js';
import { DoctorCommand } from './doctor/command.js';
import { EnableCommand } from './enable/command.js';
import { ExplainCommand } from './explain/command.js';
import { InjectCommand } from './inject/command.js';
import { InstallCommand } from './install/command.js';
import { PolicyTestCommand } from './policy/test/command.js';
import { ScaffoldCnCommand } from './scaffold/cn/command.js';
import { ScaffoldDatasetCommand } from './scaffold/dataset/command.js';
import { ScaffoldGraphscopeCommand } from './scaffold/graphscope/command.js';
import { ScaffoldPolicyCommand } from './scaffold/policy/command.js';
import { ScaffoldSparkCommand } from './scaffold/spark/command.js';
import { ScaffoldStarRocksClusterCommand } from './scaffold/starrocks-cluster/command.js';
import { ScaffoldVelaAppCommand } from './scaffold/vela-app/command.js';
import { ScaffoldVelaDefinitionsCommand } from './scaffold/vela-definitions/command.js';
import { StatusCommand } from './status/command.js';
import { UninstallCommand } from './uninstall/command.js';
import { ValidateCommand } from './validate/command.js';
import { VersionCommand } from './version/command.js';

export const COMMANDS: CommandClass[] = [
  ScaffoldSparkCommand,
  ScaffoldCnCommand,
  ScaffoldStarRocksClusterCommand,
  ScaffoldDatasetCommand,
  ScaffoldGraphscopeCommand,
  ScaffoldPolicyCommand,
  ScaffoldVelaDefinitionsCommand,
  ScaffoldVelaAppCommand,
  ValidateCommand,
  InjectCommand,
  ExplainCommand,
  PolicyTestCommand,
  InstallCommand,
  UninstallCommand,
  StatusCommand,
  DoctorCommand,
  AuditCommand,
  EnableCommand,
  DisableCommand,
  CertsGenerateCommand,
  CertsInspectCommand,
  CertsRotateCommand,
  VersionCommand,
  CompletionCommand,
];
