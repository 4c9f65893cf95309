import type { EmbeddingModel, Tool } from '@rlm/core';
import { createRetrievalTool } from '@rlm/tool-retrieval';
import { createGrepTool, createSearchTool } from '@rlm/tool-search';
import type { ToolName } from './cli-settings';

/** The tools of a run (`--tools`), and how to end them once it is over. */
export interface CliTools {
  readonly tools: readonly Tool[];
  /** Ends the grep tool's worker thread. */
  dispose(): Promise<void>;
}

/**
 * Creates the tools named by `--tools` (grep and search when unset). `retrieve` needs the embedding
 * model (`--embedding-model`); `resolveCliTools` has checked that it is there.
 */
export function createCliTools(
  names: readonly ToolName[] = ['grep', 'search'],
  embeddingModel?: EmbeddingModel,
): CliTools {
  const grep = names.includes('grep') ? createGrepTool() : undefined;
  const search = names.includes('search') ? createSearchTool() : undefined;
  if (names.includes('retrieve') && embeddingModel === undefined) {
    throw new Error('createCliTools: retrieve needs an embedding model (resolveCliTools checks this first).');
  }
  const retrieve =
    embeddingModel && names.includes('retrieve') ? createRetrievalTool({ embeddingModel }) : undefined;
  return {
    tools: [grep, search, retrieve].filter((tool): tool is NonNullable<typeof tool> => tool !== undefined),
    dispose: async () => {
      await grep?.dispose();
    },
  };
}
