import type { Tool } from '@rlm/core';
import { createGrepTool, createSearchTool } from '@rlm/tool-search';
import { TOOL_NAMES, type ToolName } from './cli-settings';

/** The tools of a run (`--tools`), and how to end them once it is over. */
export interface CliTools {
  readonly tools: readonly Tool[];
  /** Ends the grep tool's worker thread. */
  dispose(): Promise<void>;
}

/** Creates the tools named by `--tools` (all of them when unset). */
export function createCliTools(names: readonly ToolName[] = TOOL_NAMES): CliTools {
  const grep = names.includes('grep') ? createGrepTool() : undefined;
  const search = names.includes('search') ? createSearchTool() : undefined;
  return {
    tools: [grep, search].filter((tool): tool is NonNullable<typeof tool> => tool !== undefined),
    dispose: async () => {
      await grep?.dispose();
    },
  };
}
