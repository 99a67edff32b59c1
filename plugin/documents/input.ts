// Reading manifests for validate/inject/explain: files, directories (their .yaml,
// .yml and .json files, sorted) or `-` for standard input.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UserError } from '../cli/base.js';

export interface InputFile {
  file: string;
  text: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export async function readInputs(
  paths: readonly string[],
  stdin: AsyncIterable<string | Buffer>,
): Promise<InputFile[]> {
  if (paths.length === 0)
    throw new UserError('no input given', 'pass -f FILE, -f DIR or -f - to read standard input', 2);
  const out: InputFile[] = [];
  for (const path of paths) {
    if (path === '-') out.push({ file: '<stdin>', text: await readAll(stdin) });
    else out.push(...readPath(path));
  }
  return out;
}

function readPath(path: string): InputFile[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new UserError(`${path}: no such file or directory`, 'check the path given to -f');
  }
  if (!stat.isDirectory()) return [{ file: path, text: readFileSync(path, 'utf8') }];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return readPath(child);
      return MANIFEST_EXTENSIONS.has(extname(entry.name)) ? [{ file: child, text: readFileSync(child, 'utf8') }] : [];
    });
}

async function readAll(stream: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
