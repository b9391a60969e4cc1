/**
 * The machine, tool versions and git commit a run was made with. A missing binary or a folder
 * outside git is recorded as "absent", never an error: the record must not stop a run.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunEnvironment } from '../core/results.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROBE_TIMEOUT_MS = 5_000;

/** stdout and stderr of a command, or null when it cannot be run or fails. */
function probe(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: PROJECT_ROOT, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => resolve(error ? null : `${stdout}${stderr}`),
    );
  });
}

/** A service binary's output, trying /usr/sbin when it is not on PATH (nginx on Debian). */
async function probeBinary(name: string, args: string[]): Promise<string | null> {
  return (await probe(name, args)) ?? (await probe(`/usr/sbin/${name}`, args));
}

/**
 * The first dotted version number in a tool's banner:
 * `Redis server v=7.0.15 sha=…`, `memcached 1.6.18`, `nginx version: nginx/1.22.1`.
 */
export function parseVersion(banner: string | null): string | undefined {
  return banner?.match(/\d+\.\d+(?:\.\d+)*/)?.[0];
}

async function sessionlabVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Describes this machine and its tools; `command` is recorded as given. */
export async function collectEnvironment(command: string): Promise<RunEnvironment> {
  const [redis, memcached, nginx, git, sessionlab] = await Promise.all([
    probeBinary('redis-server', ['--version']),
    probeBinary('memcached', ['-V']),
    probeBinary('nginx', ['-v']),
    probe('git', ['rev-parse', 'HEAD']),
    sessionlabVersion(),
  ]);
  const processors = cpus();
  const versions: RunEnvironment['versions'] = { node: process.versions.node, sessionlab };
  const found = {
    redis: parseVersion(redis),
    memcached: parseVersion(memcached),
    nginx: parseVersion(nginx),
  };
  for (const [name, version] of Object.entries(found)) {
    if (version !== undefined) versions[name as 'redis' | 'memcached' | 'nginx'] = version;
  }
  const environment: RunEnvironment = {
    machine: {
      cpus: processors.length,
      cpuModel: processors[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      platform: `${platform()} ${arch()}`,
      kernel: release(),
    },
    versions,
    command,
  };
  const commit = git?.match(/^[0-9a-f]{40,64}$/m)?.[0];
  if (commit) environment.gitCommit = commit;
  return environment;
}
