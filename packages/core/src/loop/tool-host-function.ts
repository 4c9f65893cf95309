import type { HostFunction } from '../environment/repl-environment';
import type { Tool } from '../tool/tool';
import { callEmbeddingModel } from './call-embedding-model';
import { describeError } from './describe-error';
import type { HostFunctionRun } from './host-functions';
import type { RunTree } from './run-tree';

/**
 * A tool as REPL code calls it: stopped with the tree or when its cell drops the call, given the
 * run's context and depth and the run's embedding calls (`embed`), and reported as one `tool-call` event.
 */
export function toolHostFunction(tree: RunTree, run: HostFunctionRun, tool: Tool): HostFunction {
  return async ([parameters], { signal }) => {
    const started = performance.now();
    let failure: { name: string; message: string } | undefined;
    try {
      tree.throwIfStopped();
      const abortSignal = AbortSignal.any([tree.signal, signal]);
      return await tool.execute(parameters ?? {}, {
        abortSignal,
        context: run.context,
        depth: run.depth,
        embed: (model, values) => callEmbeddingModel(tree, run, model, values, abortSignal),
      });
    } catch (error) {
      failure = describeError(error);
      throw error;
    } finally {
      run.emit({
        type: 'tool-call',
        toolName: tool.name,
        durationMs: performance.now() - started,
        ...(failure ? { error: failure } : {}),
      });
    }
  };
}
