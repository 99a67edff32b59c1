// Every command class, one per file and one per command path (`scaffold spark` is its
// own class). The top-level help, usage errors and shell completion are all built from
// this list: registering a class here is all a new command needs. Their modules are
// light: heavy work (YAML, the engine, the cluster client) is imported inside run() so
// start-up stays fast.
import type { CommandClass } from 'clipanion';
import { AuditCommand } from './audit.js';
import { CertsGenerateCommand } from './certs-generate.js';
import { CertsInspectCommand } from './certs-inspect.js';
import { CertsRotateCommand } from './certs-rotate.js';
import { CompletionCommand } from './completion.js';
import { DisableCommand } from './disable.js';
import { DoctorCommand } from './doctor.js';
import { EnableCommand } from './enable.js';
import { ExplainCommand } from './explain.js';
import { InjectCommand } from './inject.js';
import { InstallCommand } from './install.js';
import { PolicyTestCommand } from './policy-test.js';
import { ScaffoldCnCommand } from './scaffold-cn.js';
import { ScaffoldDatasetCommand } from './scaffold-dataset.js';
import { ScaffoldGraphscopeCommand } from './scaffold-graphscope.js';
import { ScaffoldPolicyCommand } from './scaffold-policy.js';
import { ScaffoldSparkCommand } from './scaffold-spark.js';
import { ScaffoldStarRocksClusterCommand } from './scaffold-starrocks-cluster.js';
import { ScaffoldVelaAppCommand } from './scaffold-vela-app.js';
import { ScaffoldVelaDefinitionsCommand } from './scaffold-vela-definitions.js';
import { StatusCommand } from './status.js';
import { UninstallCommand } from './uninstall.js';
import { ValidateCommand } from './validate.js';
import { VersionCommand } from './version.js';

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
