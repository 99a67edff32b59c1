// Where the installed package lives, for files that ship beside the code (the built-in
// policy, dev certificates, the completion helper in bin/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found from this module whether it runs from source or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`graphdata: cannot find package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
