import { afterAll, describe, expect, it } from 'vitest';
import type { ContextValue, JsonValue } from '../environment/context-value';
import { RESERVED_NAMES } from '../loop/reserved-names';
import type { Tool, ToolExecuteOptions } from '../tool/tool';

/** One call of the tool under test: its parameters and the context it runs over. */
export interface ToolConformanceCall {
  readonly parameters: JsonValue;
  readonly context: ContextValue;
}

/** How the suite gets and calls the tool under test. */
export interface ToolConformanceSetup {
  /** Returns a fresh tool; called once per test. */
  createTool(): Tool | Promise<Tool>;
  /** A call the tool answers (the suite checks its result is plain JSON). */
  readonly validCall: ToolConformanceCall;
  /**
   * Calls the tool must refuse with a thrown `Error` whose message says what is wrong. Default: the
   * valid call's parameters replaced by `null`, by a string, and extended with an unknown parameter.
   */
  readonly invalidCalls?: readonly ToolConformanceCall[];
  /**
   * A large context for the size check, and the parameters to call over it. Default: a 50 MB string
   * of ~100-character lines and the valid call's parameters.
   */
  readonly bigContext?: () => ToolConformanceCall;
  /** Milliseconds the call over the big context may take, first call included. Default 60 000. */
  readonly bigContextMs?: number;
  /** Milliseconds from an abort to the rejection of a call in flight. Default 1 000. */
  readonly abortMs?: number;
  /** Runs after the suite (end workers, …), with every tool the suite created. */
  cleanup?(tools: readonly Tool[]): void | Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The conformance suite every `Tool` runs, ours and outside authors'. Call it at the top level of a
 * test file:
 *
 * ```ts
 * testTool('grep', {
 *   createTool: () => createGrepTool(),
 *   validCall: { parameters: { pattern: 'b' }, context: 'a\nb' },
 * });
 * ```
 *
 * It checks what the loop relies on: a name the REPL can define (an identifier that is not
 * reserved), a description and a JSON schema for the parameters, results that survive a JSON round
 * trip unchanged (they cross into a sandbox as JSON), bad parameters refused with a thrown `Error`
 * and a message (the loop turns it into an `Error` inside the REPL), an aborted signal honoured
 * promptly, and a big context answered within a bound.
 */
export function testTool(name: string, setup: ToolConformanceSetup): void {
  const created: Tool[] = [];
  const create = async () => {
    const tool = await setup.createTool();
    created.push(tool);
    return tool;
  };
  const options = (context: ContextValue, signal = new AbortController().signal): ToolExecuteOptions => ({
    abortSignal: signal,
    context,
    depth: 0,
  });

  describe(`tool conformance: ${name}`, () => {
    afterAll(async () => {
      await setup.cleanup?.(created);
    });

    it('has a name the REPL can define: an identifier that no reserved name takes', async () => {
      const tool = await create();
      expect(tool.name).toMatch(IDENTIFIER);
      expect(RESERVED_NAMES).not.toContain(tool.name);
    });

    it('describes itself and its parameters with a JSON schema of an object', async () => {
      const tool = await create();
      expect(typeof tool.description).toBe('string');
      expect(tool.description.trim().length).toBeGreaterThan(20);
      expect(tool.parameters.type).toBe('object');
      expect(typeof tool.parameters.properties).toBe('object');
      expect(JSON.parse(JSON.stringify(tool.parameters))).toStrictEqual(tool.parameters);
    });

    it('answers with plain JSON: the result survives a JSON round trip unchanged', async () => {
      const tool = await create();
      const result = await tool.execute(setup.validCall.parameters, options(setup.validCall.context));
      expect(result).not.toBeUndefined();
      expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
    });

    it('refuses bad parameters with a thrown Error that says what is wrong', async () => {
      const tool = await create();
      const valid = setup.validCall;
      const invalidCalls = setup.invalidCalls ?? [
        { parameters: null, context: valid.context },
        { parameters: 'not an object', context: valid.context },
        {
          parameters: { ...(valid.parameters as Record<string, JsonValue>), noSuchParameter: 1 },
          context: valid.context,
        },
      ];
      for (const call of invalidCalls) {
        const failure = await tool.execute(call.parameters, options(call.context)).then(
          (result) => new Error(`resolved with ${JSON.stringify(result)}`, { cause: 'resolved' }),
          (error: unknown) => error,
        );
        expect(failure, `${JSON.stringify(call.parameters)} should be refused`).toBeInstanceOf(Error);
        expect((failure as Error).cause, `${JSON.stringify(call.parameters)} should be refused`).not.toBe(
          'resolved',
        );
        expect((failure as Error).message.length).toBeGreaterThan(10);
      }
    });

    it('rejects at once when the signal is already aborted', async () => {
      const tool = await create();
      const controller = new AbortController();
      controller.abort(new Error('run cancelled'));
      const started = performance.now();
      await expect(
        tool.execute(setup.validCall.parameters, options(setup.validCall.context, controller.signal)),
      ).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(setup.abortMs ?? 1_000);
    });

    it(
      'answers over a big context within its bound, and an abort during such a call rejects promptly',
      async () => {
        const tool = await create();
        const big = setup.bigContext?.() ?? {
          context: linesOfText(50_000_000),
          parameters: setup.validCall.parameters,
        };
        const controller = new AbortController();
        const call = tool.execute(big.parameters, options(big.context, controller.signal));
        setTimeout(() => controller.abort(new Error('run cancelled')), 5);
        const aborted = performance.now();
        // Either the call was quick enough to finish before the abort, or it must stop promptly.
        const outcome = await call.then(
          () => 'answered',
          () => 'rejected',
        );
        if (outcome === 'rejected')
          expect(performance.now() - aborted).toBeLessThan((setup.abortMs ?? 1_000) + 5);

        const started = performance.now();
        const result = await tool.execute(big.parameters, options(big.context));
        expect(performance.now() - started).toBeLessThan(setup.bigContextMs ?? 60_000);
        expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
      },
      (setup.bigContextMs ?? 60_000) * 2 + 30_000,
    );
  });
}

/** About `characters` of text in ~100-character lines with varied words, numbers and dates. */
function linesOfText(characters: number): string {
  const words = [
    'refund',
    'order',
    'shipping',
    'delayed',
    'customer',
    'invoice',
    'Zürich',
    'policy',
    'damaged',
  ];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < characters; i++) {
    const line = `Date: Mar ${String((i % 28) + 1).padStart(2, '0')}, 2024 || User: ${10_000 + ((i * 7_919) % 90_000)} || ${words[i % words.length]} ${words[(i * 7) % words.length]} item ${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}
