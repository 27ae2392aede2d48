import { Listr } from 'listr2';

/** One line of progress: `run` may report while it works, and returns the task's final title. */
export interface Task {
  title: string;
  run(report: (text: string) => void): Promise<string>;
}

/**
 * Runs tasks in order as a listr2 task list: a live display on a terminal, plain lines in CI or
 * when output is piped (listr2's fallback renderer), so logs stay readable. Stops at the first
 * failure and rethrows it.
 */
export async function runTasks(tasks: Task[]): Promise<void> {
  const plain = !process.stdout.isTTY || Boolean(process.env.CI) || Boolean(process.env.DEBUG);
  const list = new Listr(
    tasks.map((task) => ({
      title: task.title,
      task: async (_context: unknown, listrTask: { title: string; output: string }) => {
        listrTask.title = await task.run((text) => {
          listrTask.output = text;
        });
      },
    })),
    { concurrent: false, exitOnError: true, renderer: plain ? 'simple' : 'default', rendererOptions: { collapseErrors: false } },
  );
  await list.run();
}
