import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './temp-project.ts';

export const ENTRYPOINT = path.join(REPO_ROOT, 'docker/entrypoint.sh');
const FAKE_APP = path.join(REPO_ROOT, 'test/support/fake-app.ts');

/** The command line of test/support/fake-app.ts, given to the entrypoint as the application. */
export function fakeApp(markerFile?: string): string[] {
  return ['node', '--import', 'tsx', FAKE_APP, ...(markerFile ? [markerFile] : [])];
}

export interface AppReport {
  pid: number;
  ppid: number;
  tables: string[];
}

export interface EntrypointExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface EntrypointRun {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output so far matches; rejects if the process ends or the time runs out first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<EntrypointExit>;
  /** SIGKILL to its process group: for `finally` blocks, so a failed test leaves no process behind. */
  kill(): void;
}

/** Settings a developer's shell might hold; each run starts without them unless a test sets them. */
const CLEARED = ['DATABASE_URL', 'ORCHESTRATOR_PROJECT', 'ORCHESTRATOR_PROVIDER', 'APP_DIR', 'MIGRATE_ON_START', 'MIGRATE_COMMAND', 'MIGRATE_MAX_ATTEMPTS', 'MIGRATE_RETRY_DELAY_SECONDS', 'MIGRATE_RETRY_MAX_DELAY_SECONDS'];

export interface EntrypointOptions {
  /** Another copy of the script, e.g. in an installed image folder. */
  entrypoint?: string;
  cwd?: string;
}

/**
 * Starts an entrypoint script as its own process, the way Docker does with an exec-form
 * ENTRYPOINT (the file itself, through its shebang), so its PID is the one the app must inherit.
 */
export function startEntrypoint(args: string[], env: Record<string, string>, options: EntrypointOptions = {}): EntrypointRun {
  const baseEnv: Record<string, string | undefined> = { ...process.env, CI: 'true' };
  for (const name of CLEARED) delete baseEnv[name];
  const started = Date.now();
  const script = options.entrypoint ?? ENTRYPOINT;
  const child = spawn(script, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as in a container, so kill() also reaches what it left behind.
    detached: true,
  });
  if (child.pid === undefined) {
    child.on('error', () => {}); // reported by the throw below
    throw new Error(`could not start ${script}`);
  }
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  let running = true;
  const exited = new Promise<EntrypointExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running = false;
      notify();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return {
    pid: child.pid,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The whole group is gone already.
      }
    },
    waitFor(stream, pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stream === 'stdout' ? stdout : stderr)) finish();
          else if (!running) finish(new Error(`the entrypoint exited before its ${stream} matched ${pattern}:\n${stdout}\n${stderr}`));
        };
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} on ${stream}:\n${stdout}\n${stderr}`)), timeoutMs);
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Its exit, killing its process group if it takes longer than the limit (the exit then shows SIGKILL). */
export async function exitWithin(run: EntrypointRun, timeoutMs: number): Promise<EntrypointExit> {
  const timer = setTimeout(run.kill, timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The fake app's report, from its APP_STARTED line; undefined if it never started. */
export function appReport(stdout: string): AppReport | undefined {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('APP_STARTED '));
  return line ? (JSON.parse(line.slice('APP_STARTED '.length)) as AppReport) : undefined;
}

/** PIDs of a process's children, read from /proc (Linux). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in field 2 may hold spaces and parentheses; fields after the last ")" are plain.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while the folder was read.
    }
  }
  return children;
}

/** PIDs of a process's children, grandchildren and so on. */
export function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

/** Whether a process is still running (a zombie waiting to be reaped counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}
