/**
 * What a running command reports while it works, one plugin at a time: a task starts, may say
 * what it did so far, then finishes or fails. `title` and `summary` are the human lines the CLI
 * shows; the other fields are for programs.
 *
 * @example
 * await deploy({ onProgress: (event) => { if (event.type === 'migration-applied') log(event.plugin, event.migration); } });
 */
export type ProgressEvent =
  | { type: 'task-started'; command: string; plugin: string; title: string; /** deploy: the migrations it will apply, oldest first. */ pending?: string[] }
  | { type: 'migration-applied'; command: string; plugin: string; migration: string }
  | { type: 'task-finished'; command: string; plugin: string; summary: string }
  | { type: 'task-failed'; command: string; plugin: string; error: unknown }
  /** Deploy waits for another deploy's lock; repeated every few seconds with who holds it. */
  | { type: 'lock-waiting'; command: string; message: string };

/**
 * Receives progress events. A returned promise is awaited before the command goes on, so a
 * display can finish drawing a line before the next one starts.
 */
export type ProgressListener = (event: ProgressEvent) => void | Promise<void>;

/** Runs `work` as one reported task: started, then finished with the summary it returns, or failed. */
export async function reportTask<T>(
  listener: ProgressListener,
  task: { command: string; plugin: string; title: string; pending?: string[] },
  work: () => Promise<{ value: T; summary: string }>,
): Promise<T> {
  await listener({ type: 'task-started', ...task });
  try {
    const { value, summary } = await work();
    await listener({ type: 'task-finished', command: task.command, plugin: task.plugin, summary });
    return value;
  } catch (error) {
    await listener({ type: 'task-failed', command: task.command, plugin: task.plugin, error });
    throw error;
  }
}

/** The deploy-lock options of a command that waits for another's lock: each wait is reported as a `lock-waiting` event. */
export function reportLockWaits(listener: ProgressListener, command: string): { onWait(message: string): void } {
  return { onWait: (message) => void listener({ type: 'lock-waiting', command, message }) };
}
