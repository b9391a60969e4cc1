/**
 * One long-running service (redis-server, memcached, nginx) as a child process of this one:
 * start, stop, kill, pause, resume and restart it, its output appended to a log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { readdirSync, readFileSync } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { waitFor } from './ports.ts';

export interface ManagedProcessOptions {
  /** Label for errors: `redis-server 127.0.0.1:6390`. */
  name: string;
  /** Executable name, looked up on PATH and in the sbin folders (nginx lives in /usr/sbin). */
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended to this file. */
  logFile: string;
  /**
   * Environment of the service (secrets go here, not in the arguments `ps` shows).
   * @default this process's environment
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Working directory of the service.
   * @default the current directory
   */
  cwd?: string;
  /**
   * Resolves true once the service answers as process `pid` (a check of the pid it reports
   * stops another service on the same port passing for it); `start()` waits for it.
   * @default none: `start()` resolves as soon as the process is spawned
   */
  ready?: (pid: number) => Promise<boolean>;
  /**
   * How long `start()` waits for `ready`, in milliseconds.
   * @default 10000
   */
  readyTimeoutMs?: number;
  /**
   * Signal `stop()` sends first (postgres takes SIGINT: SIGTERM waits for every client to leave).
   * @default 'SIGTERM'
   */
  stopSignal?: NodeJS.Signals;
  /**
   * Sends pause, resume and kill to every descendant of the service too, the parent first: for
   * a server whose children answer clients by themselves (postgres: one backend per connection,
   * each in a session of its own, so a process group would not reach them). Linux only (/proc).
   * @default false
   */
  signalDescendants?: boolean;
}

export const DEFAULT_MANAGED_PROCESS_OPTIONS = {
  readyTimeoutMs: 10_000,
  stopSignal: 'SIGTERM',
} as const;

/** Grace period between SIGTERM and SIGKILL in `stop()`, in milliseconds. */
const STOP_GRACE_MS = 3000;
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const executables = new Map<string, string>();
const liveChildren = new Set<ChildProcess>();

// Without `detached` the children share our process group, but a plain exit of node leaves
// them running: kill whatever a test forgot to stop.
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** Resolves with the path of an executable, or throws naming the command that installs it. */
export async function findExecutable(command: string): Promise<string> {
  const known = executables.get(command);
  if (known !== undefined) return known;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  const candidates = command.includes('/') ? [command] : dirs.map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      executables.set(command, candidate);
      return candidate;
    } catch {
      // not here: try the next folder
    }
  }
  throw new Error(`${command} not found — run \`make services\``);
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly #options: ManagedProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #exitStatus = 'not started';
  #paused = false;

  constructor(options: ManagedProcessOptions) {
    this.#options = { ...options, args: [...options.args] };
    this.name = options.name;
    this.logFile = options.logFile;
  }

  /** Process id while running, else `undefined`. */
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  /** Stopped with SIGSTOP by `pause()` and not resumed yet. */
  get paused(): boolean {
    return this.#paused;
  }

  get running(): boolean {
    return this.#child !== undefined && liveChildren.has(this.#child);
  }

  /** Spawns the service and, with a `ready` probe, resolves once it answers. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const [command, args] = await wrapForParentDeath(
      await findExecutable(this.#options.command),
      this.#options.args,
    );
    const log = await open(this.#options.logFile, 'a');
    try {
      const child = spawn(command, args, {
        cwd: this.#options.cwd,
        env: this.#options.env ?? process.env,
        stdio: ['ignore', log.fd, log.fd],
      });
      this.#child = child;
      this.#paused = false;
      liveChildren.add(child);
      this.#exited = new Promise((resolve) => {
        const settle = (status: string): void => {
          this.#exitStatus = status;
          liveChildren.delete(child);
          resolve();
        };
        child.once('exit', (code, signal) =>
          settle(signal === null ? `exit code ${code}` : `signal ${signal}`),
        );
        child.once('error', (error) => settle(error.message));
      });
      await once(child, 'spawn');
    } finally {
      await log.close();
    }
    await this.#waitUntilReady();
  }

  /** `stopSignal` (SIGTERM), then SIGKILL after 3 s; resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    // A stopped process acts on SIGTERM only once continued.
    if (this.#paused) this.resume();
    child.kill(this.#options.stopSignal ?? DEFAULT_MANAGED_PROCESS_OPTIONS.stopSignal);
    const escalation = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await this.#exited;
    } finally {
      clearTimeout(escalation);
    }
  }

  /** SIGKILL (works on a paused process too); resolves once the process has exited. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#signal('SIGKILL');
    await this.#exited;
  }

  /** SIGSTOP: the service keeps its port, accepts connections, and answers nothing. */
  pause(): void {
    this.#signal('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT: a paused service picks up where it stopped. */
  resume(): void {
    this.#signal('SIGCONT');
    this.#paused = false;
  }

  /** Stops and starts again with the same arguments, so on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** New arguments or environment for the next start (a rolling restart with new keys). */
  reconfigure(change: { args?: readonly string[]; env?: NodeJS.ProcessEnv }): void {
    if (change.args !== undefined) this.#options.args = [...change.args];
    if (change.env !== undefined) this.#options.env = change.env;
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running (${this.#exitStatus})`);
    // The parent first: stopped or dead, it forks no new child after the list is read.
    this.#child?.kill(signal);
    if (!this.#options.signalDescendants) return;
    for (const descendant of descendantsOf(pid)) {
      try {
        process.kill(descendant, signal);
      } catch {
        // exited in between
      }
    }
  }

  async #waitUntilReady(): Promise<void> {
    const ready = this.#options.ready;
    if (ready === undefined) return;
    const readyTimeoutMs =
      this.#options.readyTimeoutMs ?? DEFAULT_MANAGED_PROCESS_OPTIONS.readyTimeoutMs;
    try {
      await waitFor(
        async () => {
          const pid = this.pid;
          if (pid === undefined) throw await this.#describeEarlyExit();
          return ready(pid);
        },
        { what: this.name, timeoutMs: readyTimeoutMs },
      );
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  async #describeEarlyExit(): Promise<Error> {
    const log = await readFile(this.logFile, 'utf8').catch(() => '');
    const tail = log.trimEnd().split('\n').slice(-5).join('\n');
    return new Error(
      `${this.name} exited (${this.#exitStatus}) before it was ready; ${this.logFile} ends:\n${tail}`,
    );
  }
}

/** Every process below `root`, read from /proc (empty where there is no /proc). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while listing
    }
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Runs the service under `setpriv --pdeathsig KILL` when available, so the kernel kills it
 * even when this process dies by a signal and no exit handler runs.
 */
async function wrapForParentDeath(
  file: string,
  args: readonly string[],
): Promise<[string, string[]]> {
  try {
    return [await findExecutable('setpriv'), ['--pdeathsig', 'KILL', '--', file, ...args]];
  } catch {
    return [file, [...args]];
  }
}
