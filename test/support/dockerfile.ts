import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './temp-project.ts';

/**
 * Just enough of a Dockerfile reader for a test to repeat the image's COPY and RUN steps outside
 * Docker, so the test and the Dockerfile cannot drift apart. Anything it does not understand
 * throws rather than being skipped silently.
 */
export interface Instruction {
  keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export interface CopyStep {
  /** The stage copied from, or undefined for the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

export const DOCKERFILE = path.join(REPO_ROOT, 'Dockerfile');

export function readDockerfile(file = DOCKERFILE): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of readInstructions(readFileSync(file, 'utf8'))) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Dockerfile line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ image: match[1]!, name: match[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    }
  }
  return stages;
}

export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`The Dockerfile has no stage named ${name}`);
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The stage's WORKDIR (the last one, absolute paths only). */
export function workdirOf(stage: Stage): string {
  const workdir = instructionsOf(stage, 'WORKDIR').at(-1)?.args;
  if (!workdir?.startsWith('/')) throw new Error(`Stage ${stage.name ?? stage.image} needs an absolute WORKDIR`);
  return workdir;
}

export function copyStepsOf(stage: Stage): CopyStep[] {
  return instructionsOf(stage, 'COPY').map((instruction) => {
    const words = instruction.args.split(/\s+/);
    if (words[0]?.startsWith('[')) throw new Error(`Dockerfile line ${instruction.line}: write COPY in shell form`);
    let from: string | undefined;
    while (words[0]?.startsWith('--')) {
      const flag = words.shift()!;
      if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
      else throw new Error(`Dockerfile line ${instruction.line}: COPY flag ${flag} is not handled by this reader`);
    }
    const destination = words.pop();
    if (!destination || words.length === 0) throw new Error(`Dockerfile line ${instruction.line}: cannot read COPY ${instruction.args}`);
    return { from, sources: words, destination };
  });
}

/** The stage's ENV settings, written as KEY=value pairs; a value with spaces in double quotes. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructionsOf(stage, 'ENV')) {
    const pairs = [...instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"\\$]*)"|([^"'\\$\s]*))(?:\s+|$)/gy)];
    const consumed = pairs.reduce((length, pair) => length + pair[0].length, 0);
    if (consumed !== instruction.args.length) throw new Error(`Dockerfile line ${instruction.line}: write ENV as KEY=value or KEY="value" pairs, without escapes or variables, not ${instruction.args}`);
    for (const [, key, quoted, bare] of pairs) env[key!] = quoted ?? bare!;
  }
  return env;
}

/** ENTRYPOINT and CMD in exec (JSON) form. */
export function execFormOf(stage: Stage, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const instruction = instructionsOf(stage, keyword).at(-1);
  if (!instruction) throw new Error(`Stage ${stage.name ?? stage.image} has no ${keyword}`);
  const parsed = JSON.parse(instruction.args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((word) => typeof word === 'string')) {
    throw new Error(`Dockerfile line ${instruction.line}: ${keyword} must be in exec form`);
  }
  return parsed;
}

function readInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    // Comment lines are dropped, also inside a continued instruction, as Docker does.
    if (line.startsWith('#') || (line === '' && !pending)) continue;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1).trim() : line;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: index + 1 };
    if (continued) continue;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line });
    pending = undefined;
  }
  if (pending) throw new Error(`Dockerfile ends inside a continued instruction (line ${pending.line})`);
  return instructions;
}
