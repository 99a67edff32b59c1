// The Node binaries a bench run can use: the releases `npm run test:node` has fetched
// (test/node/versions.json, cached by test/node/run.mjs), and among them the image's.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';

/** The binaries of test/node/versions.json that test/node/run.mjs has fetched into its cache. */
export function fetchedNodes(): string[] {
  const { versions } = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'node', 'versions.json'), 'utf8')) as {
    versions: string[];
  };
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'graphdata');
  return versions.map((v) => join(cache, `node-${v}`, 'bin', 'node')).filter((bin) => existsSync(bin));
}

/** The major release the webhook image runs: the Dockerfile's first `FROM node:N`. */
export function imageNodeMajor(dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')): number {
  const major = /^FROM node:(\d+)/m.exec(dockerfile)?.[1];
  if (!major) throw new Error('the Dockerfile has no FROM node:N line');
  return Number(major);
}

export interface ServerNode {
  path: string;
  /** `node --version` of it. */
  version: string;
  /** True when it is of the image's major release. */
  image: boolean;
}

const versionOf = (path: string): string => spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();

/**
 * The Node the bench serves the webhook and its floor on: the image's release where it is
 * this Node or `npm run test:node` has fetched it, so the figures are those of what ships;
 * else this Node, and the report says so.
 */
export function serverNode(): ServerNode {
  const major = imageNodeMajor();
  const candidates = [process.execPath, ...fetchedNodes()];
  for (const path of candidates) {
    const version = versionOf(path);
    if (version.startsWith(`v${major}.`)) return { path, version, image: true };
  }
  return { path: process.execPath, version: process.version, image: false };
}
