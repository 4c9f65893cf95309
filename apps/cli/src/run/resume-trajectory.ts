import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type ContextValue,
  checkResume,
  InvalidArgumentError,
  parseTrajectoryJsonl,
  type ReplEnvironment,
  type Trajectory,
} from '@rlm/core';

/** A trajectory to resume, read and checked against what this run is given. */
export interface ResumeChoice {
  /** The file it was read from, absolute. */
  readonly path: string;
  readonly trajectory: Trajectory;
  /** The recorded question, or the one given (the same). */
  readonly question: string;
  /** Allowed differences worth a line on stderr (another environment of the same language, another model). */
  readonly notes: readonly string[];
}

/**
 * Reads `--resume FILE` (a trajectory written with `--trajectory`, whole or cut off by a killed
 * process). Every failure is a usage error that says what to do: the run has not started.
 */
export async function readResumeTrajectory(file: string, cwd: string): Promise<Trajectory> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'resume',
      message: `--resume ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}. Give the trajectory a run wrote with --trajectory FILE.`,
      cause: error,
    });
  }
  try {
    return parseTrajectoryJsonl(text);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'resume',
      message: `--resume ${file} is not a trajectory rlm can read: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/**
 * Checks the trajectory against the question, context and environment of this run (see core's
 * `checkResume`), in the CLI's words: the question may be left out (the recorded one is used).
 */
export async function chooseResume(
  file: string,
  trajectory: Trajectory,
  inputs: {
    readonly cwd: string;
    readonly question: string | undefined;
    readonly context: ContextValue;
    readonly environment: Pick<ReplEnvironment, 'environmentId' | 'language'>;
    readonly rootModel: string;
  },
): Promise<ResumeChoice> {
  try {
    const [provider = '', ...rest] = inputs.rootModel.split(':');
    const plan = await checkResume(trajectory, {
      ...(inputs.question === undefined ? {} : { question: inputs.question }),
      context: inputs.context,
      environment: inputs.environment,
      model: { provider, modelId: rest.join(':') },
    });
    return { path: resolve(inputs.cwd, file), trajectory, question: plan.question, notes: plan.notes };
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
    throw new InvalidArgumentError({
      argument: 'resume',
      message: `--resume ${file}: ${inCliWords(error.message)}`,
      cause: error,
    });
  }
}

/** The library's advice in flags: the context and the question are given on the command line. */
function inCliWords(message: string): string {
  return message
    .replace(
      'Give the same context (the same text, or the same documents in the same order)',
      'Give the same --context paths (or stdin) as the run that wrote it, with the same files',
    )
    .replace(
      'Ask the recorded question (or leave it out to use it)',
      'Ask the recorded question (or leave it out: rlm --resume FILE uses it)',
    )
    .replace(
      'Resume with a javascript environment',
      'Resume with a javascript --env (quickjs, isolated-vm, deno)',
    )
    .replace('pass it again (resume(trajectory, { question, context }))', 'give it again as the question');
}
