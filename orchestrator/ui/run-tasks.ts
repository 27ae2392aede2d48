import { Listr } from 'listr2';
import type { ProgressEvent, ProgressListener } from '../context/progress-event.ts';

interface OpenTask {
  setOutput(text: string): void;
  finish(title: string): void;
  fail(error: unknown): void;
  /** Settles once listr2 has drawn the task's title, so it shows before the work begins. */
  shown: Promise<void>;
  /** Settles once listr2 has drawn the task's last line. */
  drawn: Promise<void>;
}

/**
 * The CLI's progress display: subscribes to a command's progress events and shows each plugin's
 * task as a listr2 task list: a live display on a terminal, plain lines in CI or when output is
 * piped (listr2's fallback renderer), so logs stay readable. Lock waits go to stderr.
 */
export function taskDisplay(): ProgressListener {
  const plain = !process.stdout.isTTY || Boolean(process.env.CI) || Boolean(process.env.DEBUG);
  let open: OpenTask | undefined;
  return async (event: ProgressEvent) => {
    switch (event.type) {
      case 'task-started':
        open = startTask(event.title, plain);
        // The work may block the event loop (SQLite waits for a lock synchronously): the title
        // must be out first, or a deploy stuck on a lock shows nothing.
        await open.shown;
        return;
      case 'migration-applied':
        open?.setOutput(`applied ${event.migration}`);
        return;
      case 'task-finished':
        open?.finish(event.summary);
        await open?.drawn;
        open = undefined;
        return;
      case 'task-failed':
        open?.fail(event.error);
        await open?.drawn;
        open = undefined;
        return;
      case 'lock-waiting':
        console.error(event.message);
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unknown progress event ${JSON.stringify(unknown)}`);
      }
    }
  };
}

/** One task, drawn by its own one-task listr2 list, which ends when the command says so. */
function startTask(title: string, plain: boolean): OpenTask {
  let settle!: { resolve(title: string): void; reject(error: unknown): void };
  const outcome = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  let listrTask: { title: string; output: string } | undefined;
  let markShown!: () => void;
  const shown = new Promise<void>((resolve) => (markShown = resolve));
  const pendingOutput: string[] = [];
  const list = new Listr(
    [
      {
        title,
        task: async (_context: unknown, task: { title: string; output: string }) => {
          listrTask = task;
          // listr2 draws the title as the task starts; one turn of the event loop lets it reach stdout.
          setImmediate(markShown);
          for (const text of pendingOutput.splice(0)) task.output = text;
          task.title = await outcome;
        },
      },
    ],
    { concurrent: false, exitOnError: true, renderer: plain ? 'simple' : 'default', rendererOptions: { collapseErrors: false } },
  );
  // The command reports the failure itself: the list's own rejection only marks the task failed.
  const drawn = list.run().then(
    () => undefined,
    () => undefined,
  );
  return {
    setOutput(text) {
      if (listrTask) listrTask.output = text;
      else pendingOutput.push(text);
    },
    finish: (summary) => settle.resolve(summary),
    fail: (error) => settle.reject(error),
    shown,
    drawn,
  };
}
