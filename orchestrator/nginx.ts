/**
 * Starts nginx as a child process (`daemon off`, not a system service) in front of app nodes,
 * on free 127.0.0.1 ports, with its config, pid, logs and temp files in its own folder.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  renderNginxConfig,
  type BalanceMode,
  type NginxConfigOptions,
  type NginxUpstream,
} from '../nginx/render.ts';
import { generateSelfSignedCert } from './tls.ts';
import { InvalidOptionError } from '../core/errors.ts';
import { freePorts, waitFor } from './ports.ts';
import { findExecutable, ManagedProcess } from './process.ts';

const HOST = '127.0.0.1';
const execFileAsync = promisify(execFile);

export interface NginxOptions {
  /** Folder under which nginx makes its own folder `nginx-<port>` for config, logs and temp. */
  dir: string;
  /** The app nodes; `reload()` can replace them. */
  upstreams: readonly NginxUpstream[];
  /** How requests pick a node. @default 'round-robin' */
  balance?: BalanceMode;
  /** Session cookie `cookie-hash` hashes on (with or without `__Host-`). @default 'sid' */
  cookieName?: string;
  /** Also listen for HTTPS, with a fresh self-signed certificate. @default false */
  tls?: boolean;
  /** Local address for connections to the nodes, e.g. `127.0.0.2`. @default the kernel's pick */
  proxyBind?: string;
  /** Log each request to `access.log` in nginx's folder. @default false */
  accessLog?: boolean;
  /** Plain-HTTP port. @default a free port */
  listenPort?: number;
  /** HTTPS port; only with `tls: true`. @default a free port */
  tlsPort?: number;
  /** Routes `/_lab/` to the lab server at this loopback port. @default no lab route */
  labPort?: number;
  /** With `tls: true`: the plain port answers a 301 to HTTPS. @default false */
  redirectToHttps?: boolean;
}

export const DEFAULT_NGINX_OPTIONS = { tls: false } as const;

export interface NginxServer {
  /** `http://127.0.0.1:<port>` */
  entry: string;
  /** `https://127.0.0.1:<tlsPort>`, with `tls: true` only. */
  entryTls?: string;
  port: number;
  tlsPort?: number;
  configFile: string;
  /** nginx's error log; its stdout and stderr go there too. */
  errorLog: string;
  process: ManagedProcess;
  /**
   * Re-renders the config (with new upstreams when given), checks it with `nginx -t`, sends
   * SIGHUP, and resolves once every worker runs the new config.
   */
  reload(upstreams?: readonly NginxUpstream[]): Promise<void>;
  /** Stops master and workers; resolves once none is left. */
  stop(): Promise<void>;
}

/** Checks a config file with `nginx -t`; rejects with nginx's own message when it is invalid. */
export async function checkNginxConfig(configFile: string, runDir: string): Promise<void> {
  const nginx = await findExecutable('nginx');
  const args = ['-t', '-q', ...nginxArgs(configFile, runDir)];
  try {
    await execFileAsync(nginx, args, { timeout: 10_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' ? stderr.trim() : String(error);
    throw new Error(`nginx rejected ${configFile}:\n${detail}`, { cause: error });
  }
}

/** Starts nginx; resolves once it is the process answering on every listen port. */
export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  const tls = options.tls ?? DEFAULT_NGINX_OPTIONS.tls;
  if (!tls && options.tlsPort !== undefined) {
    throw new InvalidOptionError(`invalid tlsPort ${options.tlsPort}: it needs tls: true`);
  }
  const [port, tlsPort] = await pickPorts(options, tls);
  const runDir = join(resolve(options.dir), `nginx-${port}`);
  await mkdir(runDir, { recursive: true });
  const configFile = join(runDir, 'nginx.conf');
  const errorLog = join(runDir, 'error.log');
  const base: NginxConfigOptions = { upstreams: options.upstreams, listenPort: port, runDir };
  if (tlsPort !== undefined) {
    base.tls = { port: tlsPort, ...(await generateSelfSignedCert(join(runDir, 'tls'))) };
  }
  if (options.balance !== undefined) base.balance = options.balance;
  if (options.cookieName !== undefined) base.cookieName = options.cookieName;
  if (options.proxyBind !== undefined) base.proxyBind = options.proxyBind;
  if (options.accessLog !== undefined) base.accessLog = options.accessLog;
  if (options.labPort !== undefined) base.lab = { host: HOST, port: options.labPort };
  if (options.redirectToHttps !== undefined) base.redirectToHttps = options.redirectToHttps;
  // As root nginx would run its workers as `nobody`, who cannot enter our 0700 temp folders.
  if (process.getuid?.() === 0) base.user = 'root';
  let current = base;
  await installConfig(configFile, runDir, renderNginxConfig(current));

  const ports = tlsPort === undefined ? [port] : [port, tlsPort];
  const managed = new ManagedProcess({
    name: `nginx ${HOST}:${ports.join(',')}`,
    command: 'nginx',
    args: nginxArgs(configFile, runDir),
    logFile: errorLog,
    ready: (pid) => isNginxProcess(runDir, pid, ports),
  });
  await managed.start();

  const reload = async (upstreams?: readonly NginxUpstream[]): Promise<void> => {
    const next = upstreams === undefined ? current : { ...current, upstreams: [...upstreams] };
    const text = renderNginxConfig(next);
    const pid = managed.pid;
    if (pid === undefined) throw new Error(`${managed.name} is not running: cannot reload`);
    await installConfig(configFile, runDir, text);
    current = next;
    const before = await childPids(pid);
    process.kill(pid, 'SIGHUP');
    await waitFor(
      async () => {
        if (managed.pid !== pid)
          throw new Error(`${managed.name} exited on reload; see ${errorLog}`);
        const workers = await childPids(pid);
        return workers.length > 0 && workers.every((worker) => !before.includes(worker));
      },
      { what: `${managed.name} reload` },
    );
  };

  const stop = async (): Promise<void> => {
    const pid = managed.pid;
    const workers = pid === undefined ? [] : await childPids(pid);
    await managed.stop();
    // A master that needed SIGKILL leaves its workers running, holding the ports.
    await Promise.all(workers.map(killIfNginx));
  };

  const server: NginxServer = {
    entry: `http://${HOST}:${port}`,
    port,
    configFile,
    errorLog,
    process: managed,
    reload,
    stop,
  };
  if (tlsPort !== undefined) {
    server.entryTls = `https://${HOST}:${tlsPort}`;
    server.tlsPort = tlsPort;
  }
  return server;
}

function nginxArgs(configFile: string, runDir: string): string[] {
  // -e: the log for errors before the config is read, instead of /var/log/nginx.
  return ['-c', configFile, '-p', `${runDir}/`, '-e', join(runDir, 'error.log')];
}

/** Writes the config beside the live one, checks it, then swaps it in. */
async function installConfig(configFile: string, runDir: string, text: string): Promise<void> {
  const candidate = `${configFile}.next`;
  await writeFile(candidate, text);
  await checkNginxConfig(candidate, runDir);
  await rename(candidate, configFile);
}

async function pickPorts(options: NginxOptions, tls: boolean): Promise<[number, number?]> {
  const taken = [options.listenPort, options.tlsPort];
  const free = (await freePorts(2, HOST)).filter((port) => !taken.includes(port));
  const port = options.listenPort ?? free.shift();
  const tlsPort = tls ? (options.tlsPort ?? free.shift()) : undefined;
  if (port === undefined || (tls && tlsPort === undefined)) {
    throw new Error(`no free port on ${HOST}`);
  }
  if (port === tlsPort) {
    throw new InvalidOptionError(`invalid tlsPort ${tlsPort}: it must differ from listenPort`);
  }
  return tlsPort === undefined ? [port] : [port, tlsPort];
}

/** True once nginx wrote `pid` to its pid file and every port accepts connections. */
async function isNginxProcess(runDir: string, pid: number, ports: number[]): Promise<boolean> {
  const written = await readFile(join(runDir, 'nginx.pid'), 'utf8').catch(() => '');
  if (written.trim() !== String(pid)) return false;
  return (await Promise.all(ports.map(acceptsConnections))).every(Boolean);
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const settle = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(1000, () => settle(false));
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
  });
}

/** Pids whose parent is `parent`, from /proc (Linux). */
async function childPids(parent: number): Promise<number[]> {
  const entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const parents = await Promise.all(
    entries.map(async (entry) => {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // Fields after the `(comm)`, which may hold spaces: state, then ppid.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }),
  );
  return entries.filter((_, i) => parents[i] === parent).map(Number);
}

async function killIfNginx(pid: number): Promise<void> {
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  if (!comm.startsWith('nginx')) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}
