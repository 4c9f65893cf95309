import type { ContextValue } from '../environment/context-value';
import type { ReplEnvironment } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { LanguageModel } from '../language-model/language-model';
import { contextSha256 } from '../trajectory/context-sha256';
import { loadSha256 } from '../trajectory/keep-text';
import type { Trajectory } from '../trajectory/trajectory';
import { modelKey } from './resolve-settings';

/** What a resume runs with, once {@link checkResume} accepted it. */
export interface ResumePlan {
  /** The question: the one given, or the recorded one. */
  readonly question: string;
  /** Differences that are allowed but worth saying (another environment of the same language, another model). */
  readonly notes: readonly string[];
}

/** What the resumed run is given. */
export interface ResumeInputs {
  /** Default: the recorded question. */
  readonly question?: string;
  readonly context: ContextValue;
  readonly environment: Pick<ReplEnvironment, 'environmentId' | 'language'>;
  /** The root model, to note when it differs from the recorded one (its turns then cannot replay). */
  readonly model?: Pick<LanguageModel, 'provider' | 'modelId'>;
}

/**
 * Checks that `trajectory` can be resumed with these inputs, before anything runs: it must be a root
 * trajectory recorded by a version that keeps the model's answers, with the same environment
 * language, the same question and the same context (by SHA-256). Throws `InvalidArgumentError`
 * naming what differs and what to do. Another environment of the same language is allowed (the
 * cells re-run there), and so is another model (its calls then miss and are sent): both are noted.
 */
export async function checkResume(trajectory: Trajectory, inputs: ResumeInputs): Promise<ResumePlan> {
  const refuse = (argument: string, message: string) => new InvalidArgumentError({ argument, message });
  if (
    !trajectory ||
    typeof trajectory !== 'object' ||
    typeof trajectory.metadata !== 'object' ||
    !Array.isArray(trajectory.iterations)
  ) {
    throw refuse(
      'trajectory',
      'resume needs a trajectory: the one a run returned (result.trajectory, error.trajectory) or read back with readTrajectoryJsonl(path).',
    );
  }
  const { metadata } = trajectory;
  if (trajectory.depth !== 0) {
    throw refuse(
      'trajectory',
      `This is the trajectory of a child run (depth ${trajectory.depth}); resume the root run's trajectory.`,
    );
  }
  if (trajectory.session) {
    throw refuse(
      'trajectory',
      `This is question ${trajectory.session.question} of a session (${trajectory.session.sessionId}): it ran on the REPL the earlier questions left, which a resume cannot rebuild. Ask it again in a session.`,
    );
  }
  if (metadata.contextSha256 === undefined || !Array.isArray(trajectory.modelCalls)) {
    throw refuse(
      'trajectory',
      "This trajectory cannot be resumed: it was written by an older version that did not record the model's answers nor the context's SHA-256, so nothing could be replayed. Run the question again; its new trajectory will be resumable.",
    );
  }
  const { environment } = inputs;
  const recordedLanguage = metadata.language ?? 'javascript';
  if (environment.language !== recordedLanguage) {
    throw refuse(
      'environment',
      `The run was recorded in a ${recordedLanguage} environment ('${metadata.environment}'), and this one ('${environment.environmentId}') runs ${environment.language}: the recorded cells cannot run in it. Resume with a ${recordedLanguage} environment (any one: another environment of the same language is allowed).`,
    );
  }
  const question = inputs.question ?? recordedQuestion(trajectory);
  if (!(await sameQuestion(trajectory, question))) {
    throw refuse(
      'question',
      `The question differs from the recorded one (${JSON.stringify(preview(metadata.question))}): a resume continues the same run. Ask the recorded question (or leave it out to use it), or start a new run for a new question.`,
    );
  }
  const given = await contextSha256(inputs.context);
  if (given !== metadata.contextSha256) {
    throw refuse(
      'context',
      `The context differs from the one the run was recorded with (SHA-256 ${given.slice(0, 12)}…, recorded ${metadata.contextSha256.slice(0, 12)}…): the replayed cells would see other data. Give the same context (the same text, or the same documents in the same order), or start a new run.`,
    );
  }
  const notes: string[] = [];
  if (environment.environmentId !== metadata.environment) {
    notes.push(
      `recorded in '${metadata.environment}', resumed in '${environment.environmentId}': the same language, so the cells re-run there.`,
    );
  }
  if (inputs.model && modelKey(inputs.model as LanguageModel) !== metadata.rootModel) {
    notes.push(
      `recorded with the root model ${metadata.rootModel}, resumed with ${modelKey(inputs.model as LanguageModel)}: its recorded answers do not replay, so the run starts over with the new model.`,
    );
  }
  return { question, notes };
}

function recordedQuestion(trajectory: Trajectory): string {
  if (trajectory.metadata.questionCut) {
    throw new InvalidArgumentError({
      argument: 'question',
      message:
        'The recorded question was too long for the trajectory to keep whole: pass it again (resume(trajectory, { question, context })).',
    });
  }
  return trajectory.metadata.question;
}

async function sameQuestion(trajectory: Trajectory, question: string): Promise<boolean> {
  const { metadata } = trajectory;
  if (!metadata.questionCut) return question === metadata.question;
  const sha256 = await loadSha256();
  return (await sha256(question)) === metadata.questionCut.sha256;
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
