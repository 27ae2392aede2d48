import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { confirmDataLoss } from '../orchestrator/ui/confirm.ts';

/** A stand-in for a terminal: readline reads the typed answer from it, the question goes to `output`. */
function terminal(answer: string): { input: PassThrough & { isTTY: boolean }; output: PassThrough; asked: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let asked = '';
  output.on('data', (chunk) => (asked += String(chunk)));
  setImmediate(() => input.write(`${answer}\n`));
  return { input, output, asked: () => asked };
}

async function refusal(promise: Promise<void>): Promise<OrchestratorError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof OrchestratorError, `expected a refusal, got ${String(error)}`);
  return error;
}

describe('the data-loss confirmation (rollback, uninstall, a data-losing generate)', () => {
  const summary = 'Uninstalling plugin "one" drops:\n  table books (3 row(s))';

  test('on a terminal, typing yes goes on, after showing what is lost', async () => {
    const tty = terminal('yes');
    await confirmDataLoss({ summary, input: tty.input, output: tty.output });
    assert.match(tty.asked(), /table books \(3 row\(s\)\)\nThis loses data\. Type "yes" to go on: /);
  });

  test('on a terminal, any other answer refuses with CONFIRMATION_REQUIRED and says nothing changed', async () => {
    for (const answer of ['no', 'y', '']) {
      const tty = terminal(answer);
      const error = await refusal(confirmDataLoss({ summary, input: tty.input, output: tty.output, flag: '--accept-data-loss' }));
      assert.equal(error.code, 'CONFIRMATION_REQUIRED');
      assert.match(error.message, /Not confirmed: nothing was changed\./);
      assert.match(error.fix ?? '', /--accept-data-loss/);
    }
  });

  test('off a terminal (CI, a pipe) it refuses at once, naming the flag, without waiting for input', async () => {
    const error = await refusal(confirmDataLoss({ summary, input: Object.assign(new PassThrough(), { isTTY: false }) }));
    assert.equal(error.code, 'CONFIRMATION_REQUIRED');
    assert.match(error.message, /there is no terminal to confirm it on/);
    assert.equal(error.fix, 'Review the above, then run the command again with --yes.');
  });

  test('--yes skips the question', async () => {
    await confirmDataLoss({ summary, yes: true, input: Object.assign(new PassThrough(), { isTTY: false }) });
  });
});
