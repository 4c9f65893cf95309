import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkResume,
  createRLM,
  InvalidArgumentError,
  LimitExceededError,
  modelCallKey,
  openTrajectoryJsonlWriter,
  parseTrajectoryJsonl,
  type RLMEvent,
  replayCallKey,
  type Trajectory,
  trajectoryToJsonl,
} from '@rlm/core';
import { createMemoryCache } from '@rlm/core/cache';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { afterEach, describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

const QUESTION = 'Sum it up.';
const CONTEXT = 'some text';

/** The root's turn: how many replies it has given so far, plus one. */
const turnOf = (request: MockRequest) =>
  request.messages.filter((message) => message.role === 'assistant').length + 1;

/**
 * Three turns whose last needs what the first put in the REPL (`parts`), so a resume must rebuild the
 * REPL's state by re-running the cells. Priced: root calls $0.01, sub-calls $0.001.
 */
function threeTurnModels(options: { onRootTurn?: (turn: number) => void } = {}) {
  const model = new MockLanguageModel({
    modelId: 'root',
    responses: (request) => {
      const turn = turnOf(request);
      options.onRootTurn?.(turn);
      const text = [
        code('const parts = await llm_query_batched(["a", "b", "c"]); console.log(parts.join(","))'),
        code('const total = await llm_query("sum " + parts.join("")); console.log(total)'),
        code('FINAL(total + "|" + parts.length)'),
      ][turn - 1];
      return { text: text ?? code('FINAL("lost")'), costUsd: 0.01 };
    },
  });
  const subModel = new MockLanguageModel({
    modelId: 'sub',
    responses: (request) => ({ text: `sub:${request.lastMessage}`, costUsd: 0.001 }),
  });
  return { model, subModel };
}

let folder: string | undefined;
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('rlm.resume (issue 14)', () => {
  it('after a limit: replays what was answered, sends only the rest, and ends with the uninterrupted answer', async () => {
    const whole = threeTurnModels();
    const uninterrupted = await quickjsRLM(whole).completion(QUESTION, { context: CONTEXT });
    expect(uninterrupted.answer).toBe('sub:sum sub:asub:bsub:c|3');

    const first = threeTurnModels();
    const stopped = await quickjsRLM(first)
      .completion(QUESTION, { context: CONTEXT, limits: { maxCostUsd: 0.02 } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(LimitExceededError.isInstance(stopped)).toBe(true);
    const trajectory = (stopped as LimitExceededError).trajectory!;
    // Two root turns and the three batched sub-calls were answered; the fourth sub-call was refused.
    expect(first.model.calls).toHaveLength(2);
    expect(first.subModel.calls).toHaveLength(3);
    expect(trajectory.modelCalls).toHaveLength(5);
    expect(trajectory.metadata.contextSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(trajectory.metadata.language).toBe('javascript');

    // The same limit again: everything replays, the limit stops it at the same place, nothing is sent.
    const again = threeTurnModels();
    await expect(
      quickjsRLM(again).resume(trajectory, { context: CONTEXT, limits: { maxCostUsd: 0.02 } }),
    ).rejects.toMatchObject({ name: 'LimitExceededError', limit: 'maxCostUsd' });
    expect(again.model.calls.length + again.subModel.calls.length).toBe(0);

    const second = threeTurnModels();
    const events: RLMEvent[] = [];
    const resumed = await quickjsRLM(second).resume(trajectory, {
      context: CONTEXT,
      limits: { maxCostUsd: 1 },
      onEvent: (event) => events.push(event),
    });
    expect(resumed.answer).toBe(uninterrupted.answer);
    // Only what the first run had not made: root turn 3 and the "sum" sub-call.
    expect(second.model.calls.map(turnOf)).toEqual([3]);
    expect(second.subModel.calls.map((call) => call.lastMessage)).toEqual(['sum sub:asub:bsub:c']);
    expect(first.model.calls.length + second.model.calls.length).toBe(whole.model.calls.length);
    expect(first.subModel.calls.length + second.subModel.calls.length).toBe(whole.subModel.calls.length);
    // The replayed calls count as spent: the totals are the uninterrupted run's.
    expect(resumed.usage.total).toMatchObject({ calls: 7, replayedCalls: 5 });
    expect(resumed.costUsd).toBeCloseTo(uninterrupted.costUsd, 10);
    expect(resumed.turns).toBe(3);
    expect(resumed.resumed).toEqual({ recordedCalls: 5, unusedCalls: 0 });
    expect(resumed.trajectory.iterations.map((iteration) => iteration.servedFrom)).toEqual([
      'replay',
      'replay',
      undefined,
    ]);
    expect(
      events.filter((event) => event.type === 'model-call-end' && event.servedFrom === 'replay'),
    ).toHaveLength(5);
    // The resumed run's record holds every answer: the earlier ones, then its own.
    expect(resumed.trajectory.modelCalls).toHaveLength(7);
  });

  it('after the turns ran out, resumed with more turns: every turn taken replays', async () => {
    const first = threeTurnModels();
    const stopped = await quickjsRLM({ ...first, limits: { maxTurns: 2 } }).completion(QUESTION, {
      context: CONTEXT,
    });
    expect(stopped.answerSource).toBe('max-turns-fallback');
    // Two turns, their four sub-calls and the call asking for the best answer.
    expect(stopped.trajectory.modelCalls).toHaveLength(7);
    const second = threeTurnModels();
    const resumed = await quickjsRLM({ ...second, limits: { maxTurns: 5 } }).resume(stopped.trajectory, {
      context: CONTEXT,
    });
    expect(resumed.answer).toBe('sub:sum sub:asub:bsub:c|3');
    // The turns' notes said "Turn i/2" and now say "Turn i/5": they replay all the same.
    expect(second.model.calls.map(turnOf)).toEqual([3]);
    expect(second.subModel.calls).toHaveLength(0);
    // The best-answer call is not asked again: the run went on instead.
    expect(resumed.resumed).toEqual({ recordedCalls: 7, unusedCalls: 1 });
  });

  it('with a cache: the record answers first (counted as spent), the cache the rest, and new calls are kept in it', async () => {
    const first = threeTurnModels();
    const stopped = (await quickjsRLM(first)
      .completion(QUESTION, { context: CONTEXT, limits: { maxCostUsd: 0.02 } })
      .catch((error: unknown) => error)) as LimitExceededError;
    const cache = createMemoryCache();
    const second = threeTurnModels();
    const resumed = await quickjsRLM({ ...second, cache }).resume(stopped.trajectory!, { context: CONTEXT });
    expect(resumed.usage.total).toMatchObject({ calls: 7, replayedCalls: 5, cachedCalls: 0 });
    // A second resume of the same record: the record answers what it holds, the cache the two new calls.
    const third = threeTurnModels();
    const again = await quickjsRLM({ ...third, cache }).resume(stopped.trajectory!, { context: CONTEXT });
    expect(again.answer).toBe(resumed.answer);
    expect(third.model.calls.length + third.subModel.calls.length).toBe(0);
    expect(again.usage.total).toMatchObject({ calls: 5, replayedCalls: 5, cachedCalls: 2 });
  });

  it('the sub-call limit counts the replayed sub-calls: the remaining budget, not a new one', async () => {
    const first = threeTurnModels();
    const stopped = (await quickjsRLM(first)
      .completion(QUESTION, { context: CONTEXT, limits: { maxCostUsd: 0.02 } })
      .catch((error: unknown) => error)) as LimitExceededError;
    const second = threeTurnModels();
    const resumed = await quickjsRLM(second).resume(stopped.trajectory!, {
      context: CONTEXT,
      limits: { maxSubCalls: 3 },
    });
    // Three sub-calls were replayed, so the fourth is over the limit and fails (the model is told).
    expect(second.subModel.calls).toHaveLength(0);
    expect(resumed.failedSubCalls.count).toBe(1);
  });

  it('from a JSONL file written as the run went, cut off by a kill: replays it and sends only the rest', async () => {
    folder = await mkdtemp(join(tmpdir(), 'rlm-resume-'));
    const path = join(folder, 'run.jsonl');
    let snapshot = '';
    const controller = new AbortController();
    const first = threeTurnModels({
      onRootTurn: (turn) => {
        if (turn !== 3) return;
        // What a `kill -9` at this moment would leave: every line written so far.
        snapshot = readFileSync(path, 'utf8');
        controller.abort();
      },
    });
    const writer = await openTrajectoryJsonlWriter(path);
    await expect(
      quickjsRLM(first).completion(QUESTION, {
        context: CONTEXT,
        signal: controller.signal,
        trajectoryWriter: writer,
      }),
    ).rejects.toMatchObject({ name: 'RunAbortedError' });
    expect(writer.failure).toBeUndefined();
    // A line's record: its type, or for a metadata line holding a record of ours, that record.
    const types = snapshot
      .trim()
      .split('\n')
      .map((line) => {
        const record = JSON.parse(line);
        return record.rlm_ts_model_call ? 'model call' : record.type;
      });
    // Metadata first; then each answered call and each ended turn as they happened.
    expect(types).toEqual([
      'metadata',
      'model call',
      'model call',
      'model call',
      'model call',
      'iteration',
      'model call',
      'model call',
      'iteration',
    ]);
    // The end of the aborted run was written too, and reads back with its error.
    const ended = parseTrajectoryJsonl(await readFile(path, 'utf8'));
    expect(ended.error?.name).toBe('RunAbortedError');
    expect(ended.iterations).toHaveLength(2);

    // Resume from the killed file, whose last line was cut off mid-write.
    const cut = `${snapshot}${JSON.stringify({ type: 'metadata', rlm_ts_model_call: { hash: 'abc', text: 'x'.repeat(50) } }).slice(0, 40)}`;
    const trajectory = parseTrajectoryJsonl(cut);
    expect(trajectory.modelCalls).toHaveLength(6);
    const second = threeTurnModels();
    const resumedWriter = await openTrajectoryJsonlWriter(path);
    const resumed = await quickjsRLM(second).resume(trajectory, {
      context: CONTEXT,
      trajectoryWriter: resumedWriter,
    });
    expect(resumed.answer).toBe('sub:sum sub:asub:bsub:c|3');
    expect(second.model.calls.map(turnOf)).toEqual([3]);
    expect(second.subModel.calls).toHaveLength(0);
    // The file was rewritten in place: a whole trajectory, every answer once, resumable again.
    const rewritten = parseTrajectoryJsonl(await readFile(path, 'utf8'));
    expect(rewritten.answer).toBe(resumed.answer);
    expect(rewritten.modelCalls).toHaveLength(7);
    expect(rewritten.iterations.map((iteration) => iteration.turn)).toEqual([1, 2, 3]);
    const third = threeTurnModels();
    const again = await quickjsRLM(third).resume(rewritten, { context: CONTEXT });
    expect(again.answer).toBe(resumed.answer);
    expect(third.model.calls.length + third.subModel.calls.length).toBe(0);
  });

  it('a key asked twice with different answers gets its recorded answers in order', async () => {
    const controller = new AbortController();
    const models = (rolls: string[], stopAtTurn2: boolean) => ({
      model: new MockLanguageModel({
        modelId: 'root',
        responses: (request) => {
          const turn = turnOf(request);
          if (turn === 2 && stopAtTurn2) {
            controller.abort();
            return { text: 'never', latencyMs: 5_000 };
          }
          return turn === 1
            ? code('const a = await llm_query("roll"); const b = await llm_query("roll"); console.log(a, b)')
            : code('FINAL(a + "," + b)');
        },
      }),
      subModel: new MockLanguageModel({ modelId: 'sub', responses: rolls }),
    });
    const first = models(['one', 'two'], true);
    const stopped = (await quickjsRLM(first)
      .completion('Roll twice.', { context: 'dice', signal: controller.signal })
      .catch((error: unknown) => error)) as Error & { trajectory: Trajectory };
    expect(stopped.name).toBe('RunAbortedError');
    const rolls = stopped.trajectory.modelCalls!.filter((call) => call.modelId === 'sub');
    expect(rolls.map((call) => call.text)).toEqual(['one', 'two']);
    expect(rolls[0]!.hash).toBe(rolls[1]!.hash);

    const second = models(['three', 'four'], false);
    const resumed = await quickjsRLM(second).resume(stopped.trajectory, { context: 'dice' });
    expect(resumed.answer).toBe('one,two');
    expect(second.subModel.calls).toHaveLength(0);
    expect(second.model.calls.map(turnOf)).toEqual([2]);
  });

  it('replays child runs (rlm_query) too', async () => {
    const controller = new AbortController();
    const models = (stop: boolean) => ({
      model: new MockLanguageModel({
        modelId: 'root',
        responses: (request) => {
          const turn = turnOf(request);
          if (turn === 2 && stop) {
            controller.abort();
            return { text: 'never', latencyMs: 5_000 };
          }
          return turn === 1
            ? code(
                'const words = await rlm_query("Count the words.", "alpha beta gamma"); console.log(words)',
              )
            : code('FINAL("words: " + words)');
        },
      }),
      // The child's root model: it writes code when it sees a system prompt.
      subModel: new MockLanguageModel({
        modelId: 'sub',
        responses: (request) =>
          request.messages[0]?.role === 'system'
            ? turnOf(request) === 1
              ? code('const n = context.split(" ").length; console.log(n)')
              : code('FINAL(String(n))')
            : 'plain',
      }),
    });
    const first = models(true);
    const stopped = (await quickjsRLM({ ...first, limits: { maxDepth: 2 } })
      .completion('How many words?', { context: 'ignored', signal: controller.signal })
      .catch((error: unknown) => error)) as Error & { trajectory: Trajectory };
    expect(stopped.name).toBe('RunAbortedError');
    expect(first.subModel.calls).toHaveLength(2);

    const second = models(false);
    const resumed = await quickjsRLM({ ...second, limits: { maxDepth: 2 } }).resume(stopped.trajectory, {
      context: 'ignored',
    });
    expect(resumed.answer).toBe('words: 3');
    expect(second.subModel.calls).toHaveLength(0);
    expect(second.model.calls.map(turnOf)).toEqual([2]);
    const child = resumed.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.child!;
    expect(child.iterations.map((iteration) => iteration.servedFrom)).toEqual(['replay', 'replay']);
  });

  it("replayCallKey leaves out the turn limit of the loop's own Turn notes, and nothing else", async () => {
    const model = new MockLanguageModel({ responses: [], modelId: 'm' });
    const key = (tag: string, text: string) => {
      const input = {
        messages: [{ role: 'user' as const, content: text }],
        maxOutputTokens: undefined,
        noteTag: tag,
      };
      return Promise.all([modelCallKey(model, input), replayCallKey(model, input)]);
    };
    const [exact30, replay30] = await key('[rlm-aa]', 'out\n\n[rlm-aa] Turn 2/30. Go on.');
    const [exact60, replay60] = await key('[rlm-bb]', 'out\n\n[rlm-bb] Turn 2/60. Go on.');
    expect(replay60).toEqual(replay30);
    expect(exact60).not.toEqual(exact30);
    expect(replay30.hash).not.toBe(exact30.hash);
    // Another turn, or the same words without the loop's tag (a cell printed them), still differ.
    expect((await key('[rlm-aa]', 'out\n\n[rlm-aa] Turn 3/30. Go on.'))[1]).not.toEqual(replay30);
    const [, printed30] = await key('[rlm-aa]', 'out Turn 2/30. Go on.');
    const [, printed60] = await key('[rlm-aa]', 'out Turn 2/60. Go on.');
    expect(printed60).not.toEqual(printed30);
  });

  describe('refuses, naming what differs and what to do', () => {
    async function recorded(): Promise<Trajectory> {
      const models = threeTurnModels();
      return (await quickjsRLM(models).completion(QUESTION, { context: CONTEXT })).trajectory;
    }

    it('another context, question or language; allows another environment of the same language', async () => {
      const trajectory = await recorded();
      const { model, subModel } = threeTurnModels();
      const rlm = quickjsRLM({ model, subModel });
      const refused = (promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (error: unknown) => error as InvalidArgumentError,
        );
      const context = await refused(rlm.resume(trajectory, { context: 'other text' }));
      expect(InvalidArgumentError.isInstance(context)).toBe(true);
      expect(context).toMatchObject({ argument: 'context' });
      expect(context!.message).toMatch(
        /^The context differs from the one the run was recorded with \(SHA-256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\): .* Give the same context/,
      );
      // A list of the same text is another context.
      expect(await refused(rlm.resume(trajectory, { context: [CONTEXT] }))).toMatchObject({
        argument: 'context',
      });
      const question = await refused(rlm.resume(trajectory, { context: CONTEXT, question: 'Another?' }));
      expect(question!.message).toBe(
        'The question differs from the recorded one ("Sum it up."): a resume continues the same run. Ask the recorded question (or leave it out to use it), or start a new run for a new question.',
      );
      const language = await refused(
        checkResume(trajectory, {
          context: CONTEXT,
          environment: { environmentId: 'pyodide', language: 'python' },
        }),
      );
      expect(language!.message).toBe(
        "The run was recorded in a javascript environment ('quickjs'), and this one ('pyodide') runs python: the recorded cells cannot run in it. Resume with a javascript environment (any one: another environment of the same language is allowed).",
      );
      expect(model.calls.length + subModel.calls.length).toBe(0);

      const quickjs = createQuickJSEnvironment();
      const renamed = Object.create(quickjs, { environmentId: { value: 'quickjs-copy' } });
      const plan = await checkResume(trajectory, { context: CONTEXT, environment: renamed });
      expect(plan.notes).toEqual([
        "recorded in 'quickjs', resumed in 'quickjs-copy': the same language, so the cells re-run there.",
      ]);
      const resumed = await createRLM({ model, subModel, environment: renamed }).resume(trajectory, {
        context: CONTEXT,
      });
      expect(resumed.answer).toBe('sub:sum sub:asub:bsub:c|3');
      expect(model.calls.length + subModel.calls.length).toBe(0);
    });

    it('a trajectory of an older version, which did not record the answers', async () => {
      const trajectory = await recorded();
      const { modelCalls: _calls, ...rest } = trajectory;
      const { contextSha256: _hash, language: _language, ...metadata } = trajectory.metadata;
      const older = parseTrajectoryJsonl(trajectoryToJsonl({ ...rest, metadata } as Trajectory));
      expect(older.modelCalls).toBeUndefined();
      const { model, subModel } = threeTurnModels();
      await expect(quickjsRLM({ model, subModel }).resume(older, { context: CONTEXT })).rejects.toThrow(
        "This trajectory cannot be resumed: it was written by an older version that did not record the model's answers nor the context's SHA-256, so nothing could be replayed. Run the question again; its new trajectory will be resumable.",
      );
    });
  });
});
