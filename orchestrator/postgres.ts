/**
 * Starts a real PostgreSQL server on a free 127.0.0.1 port: `initdb` into the run folder, then
 * `postgres -D` with TCP only (no unix socket), password (SCRAM) authentication for one
 * superuser, and a fast shutdown on stop. PostgreSQL refuses to run as root, so as root both
 * run as the `postgres` system user (Debian's package creates it) through `setpriv`, in a
 * folder that user owns. Debian keeps the binaries in /usr/lib/postgresql/<version>/bin; the
 * newest version there is used, else `postgres` on PATH.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';
import { findExecutable, ManagedProcess } from './process.ts';
import type { RunningService, ServiceDirOptions } from './services.ts';

const HOST = '127.0.0.1';
const DEBIAN_ROOT = '/usr/lib/postgresql';
const RUN_AS_USER = 'postgres';
const INITDB_TIMEOUT_MS = 60_000;
const execFileAsync = promisify(execFile);

export interface PostgresOptions extends ServiceDirOptions {
  /** Port to listen on; `process.restart()` comes back on it. @default a free port */
  port?: number;
  /** Superuser `initdb` creates; the store connects as it. @default 'sessionlab' */
  user?: string;
  /** Most client connections the server accepts. @default 100 */
  maxConnections?: number;
}

export const DEFAULT_POSTGRES_OPTIONS = { user: 'sessionlab', maxConnections: 100 } as const;

export interface PostgresServer extends RunningService {
  /** `postgres://user:password@127.0.0.1:port/postgres`: holds the password, never log it. */
  url: string;
  user: string;
  password: string;
  database: string;
  /** Major version of the binaries, e.g. `15`. */
  version: string;
}

/** The folder of `postgres` and `initdb`, and its major version. */
export async function findPostgresBin(): Promise<{ bin: string; version: string }> {
  const versions = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const numeric = versions.filter((v) => /^\d+$/.test(v)).sort((x, y) => Number(y) - Number(x));
  for (const version of numeric) {
    const bin = join(DEBIAN_ROOT, version, 'bin');
    if (await stat(join(bin, 'initdb')).catch(() => null)) return { bin, version };
  }
  const postgres = await findExecutable('postgres');
  const { stdout } = await execFileAsync(postgres, ['--version']);
  return { bin: dirname(postgres), version: /(\d+)(?:\.\d+)*/.exec(stdout)?.[1] ?? 'unknown' };
}

/** Runs initdb, then starts the server; resolves once it answers a query as `process.pid`. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const port = options.port ?? (await freePort(HOST));
  const user = options.user ?? DEFAULT_POSTGRES_OPTIONS.user;
  const maxConnections = options.maxConnections ?? DEFAULT_POSTGRES_OPTIONS.maxConnections;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(user)) {
    throw new Error(`invalid user "${user}": expected a lower-case SQL identifier`);
  }
  const { bin, version } = await findPostgresBin();
  // Absolute: initdb and postgres run in `dir`, so a relative path would resolve twice.
  const dir = resolve(options.dir, `postgres-${port}`);
  const dataDir = join(dir, 'data');
  const owner = await prepareOwnedDir(options.dir, dir);
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(passwordFile, owner.uid, owner.gid);
  const initdb = [
    ...['-D', dataDir, '-U', user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256'],
    ...['--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions'],
  ];
  await runAs(owner, join(bin, 'initdb'), initdb, dir);
  const serverArgs = [
    ...['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${HOST}`],
    ...['-c', 'unix_socket_directories=', '-c', `max_connections=${maxConnections}`],
    // synchronous_commit stays on (the default): with it off a commit is acknowledged while
    // its WAL is still in the server's own memory, so a killed server (not only a crashed
    // machine, as with redis' appendfsync everysec) loses the last ~0.6 s of writes, and
    // SL-FT-02's restart after a kill finds sessions gone.
  ];
  const [command, args] = owner
    ? ['setpriv', [...asUserArgs(), '--', join(bin, 'postgres'), ...serverArgs]]
    : [join(bin, 'postgres'), serverArgs];
  const database = 'postgres';
  const url = `postgres://${user}:${password}@${HOST}:${port}/${database}`;
  const managed = new ManagedProcess({
    name: `postgres ${HOST}:${port}`,
    command,
    args,
    cwd: dir,
    logFile: join(dir, 'postgres.log'),
    stopSignal: 'SIGINT',
    // Every connection has a backend process of its own that answers without the postmaster:
    // a pause or a kill of the server must reach them all.
    signalDescendants: true,
    readyTimeoutMs: 30_000,
    ready: (pid) => isPostgresProcess(url, dataDir, pid),
  });
  await managed.start();
  const stop = (): Promise<void> => managed.stop();
  return { host: HOST, port, url, user, password, database, version, process: managed, stop };
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * Makes `dir`; as root, owned by the postgres user, with `parent` searchable (not listable) by
 * it so it can reach its own folder. Returns that user, or null when not root.
 */
async function prepareOwnedDir(parent: string, dir: string): Promise<Owner | null> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return null;
  const owner = await systemUser(RUN_AS_USER);
  await chown(dir, owner.uid, owner.gid);
  const mode = (await stat(parent)).mode & 0o7777;
  await chmod(parent, mode | 0o001);
  return owner;
}

async function systemUser(name: string): Promise<Owner> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith(`${name}:`));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      `PostgreSQL does not run as root and there is no "${name}" user to run it as — run \`make services\``,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** setpriv arguments that drop to the postgres user; the death signal survives the switch. */
function asUserArgs(): string[] {
  const ids = ['--reuid', RUN_AS_USER, '--regid', RUN_AS_USER, '--init-groups'];
  return [...ids, '--reset-env', '--pdeathsig', 'KILL'];
}

async function runAs(
  owner: Owner | null,
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<void> {
  const [command, argv] = owner
    ? [await findExecutable('setpriv'), [...asUserArgs(), '--', file, ...args]]
    : [file, [...args]];
  try {
    await execFileAsync(command, argv, { cwd, timeout: INITDB_TIMEOUT_MS });
  } catch (error) {
    const output = error as { stderr?: string; message?: string };
    throw new Error(`${file} failed: ${(output.stderr ?? output.message ?? '').trim()}`, {
      cause: error,
    });
  }
}

/** True once the server answers a query and its postmaster.pid names `pid`. */
async function isPostgresProcess(url: string, dataDir: string, pid: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
    return Number(pidFile.split('\n')[0]) === pid;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
