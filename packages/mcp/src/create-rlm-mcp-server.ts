import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InvalidArgumentError } from '@rlm/core';
import * as z from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import type { PathConfinement } from './path-confinement';
import type { RlmAsk, RlmAskAnswer } from './rlm-ask';
import { createRunProgress } from './run-progress';

/** Options of {@link createRlmMcpServer}. */
export interface RlmMcpServerOptions {
  /** The folders `rlm_ask` may read (see `PathConfinement.of`). */
  readonly confinement: PathConfinement;
  /** Runs one question. */
  readonly ask: RlmAsk;
  /** The text of a failed call's tool error. Default: the error's message. */
  readonly explainError?: (error: unknown) => string;
  /** The server's name in the MCP handshake. Default `rlm`. */
  readonly name?: string;
  /** Said to the client with the handshake: which models, where trajectories go. */
  readonly instructions?: string;
}

/** The tool's name. */
export const RLM_ASK_TOOL = 'rlm_ask';

const DESCRIPTION =
  'Answer a question about text too large for your context window — a log dump, a whole repository, ' +
  'a folder of documents — with a Recursive Language Model: the text stays outside the model in a ' +
  'sandbox, and a model writes code to search, slice and read it, calling sub-models on pieces. ' +
  "Give `paths` (files, folders or globs inside the server's root folders; relative paths start " +
  'from the first root; .git, node_modules and .gitignored files are skipped) and/or `text`. ' +
  'Ask a precise question; the answer comes with what it cost and a link to the saved trajectory. ' +
  'It can take minutes and spend money: set max_cost_usd to cap it.';

/**
 * An MCP server with one tool, `rlm_ask({ question, paths?, text?, max_cost_usd? })`: it checks the
 * paths against the roots, runs `ask`, sends progress notifications while it runs (when the client
 * asked for them with a progress token), stops the run when the client cancels, and returns the
 * answer with usage, cost and the trajectory's link. Failures are tool errors (`isError`), never
 * protocol errors, so the calling model reads what went wrong and what to do.
 *
 * One server serves one connection: over HTTP, make one per session.
 */
export function createRlmMcpServer(options: RlmMcpServerOptions): McpServer {
  const { confinement, ask } = options;
  const explain = options.explainError ?? ((error: unknown) => (error as Error)?.message ?? String(error));
  const server = new McpServer(
    { name: options.name ?? 'rlm', version: packageJson.version },
    {
      capabilities: { logging: {} },
      ...(options.instructions ? { instructions: options.instructions } : {}),
    },
  );
  server.registerTool(
    RLM_ASK_TOOL,
    {
      title: 'Ask a Recursive Language Model',
      description: DESCRIPTION,
      inputSchema: {
        question: z.string().min(1).describe('The question, precise and self-contained.'),
        paths: z
          .array(z.string())
          .optional()
          .describe('Files, folders or globs (e.g. "logs/", "src/**/*.ts") inside the server\'s roots.'),
        text: z.string().optional().describe('Text to ask about, besides or instead of paths.'),
        max_cost_usd: z
          .number()
          .positive()
          .optional()
          .describe('Stop the run once it has spent this many US dollars (the partial answer is returned).'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ question, paths = [], text, max_cost_usd }, extra): Promise<CallToolResult> => {
      const started = Date.now();
      try {
        if (paths.length === 0 && (text === undefined || text === '')) {
          throw new InvalidArgumentError({
            argument: 'paths',
            message: `Nothing to read: give paths (files, folders or globs inside ${confinement.roots.join(', ')}) or text.`,
          });
        }
        const confined: string[] = [];
        for (const path of paths) confined.push(await confinement.confine(path));
        const token = extra._meta?.progressToken;
        const progress =
          token === undefined
            ? undefined
            : createRunProgress(({ progress, message }) => {
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: { progressToken: token, progress, message },
                  })
                  .catch(() => undefined);
              });
        const answer = await ask({
          question,
          paths: confined,
          ...(text === undefined || text === '' ? {} : { text }),
          ...(max_cost_usd === undefined ? {} : { maxCostUsd: max_cost_usd }),
          signal: extra.signal,
          onEvent: (event) => progress?.(event),
          checkFile: (path) => confinement.checkFile(path),
          base: confinement.base,
        });
        if (extra.signal.aborted) return cancelled(server, started);
        return answerResult(answer);
      } catch (error) {
        if (extra.signal.aborted) return cancelled(server, started);
        return { isError: true, content: [{ type: 'text', text: `rlm_ask failed: ${explain(error)}` }] };
      }
    },
  );
  return server;
}

/** The client is gone or no longer waits: the result is not sent (the SDK drops it); the log says what happened. */
function cancelled(server: McpServer, started: number): CallToolResult {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  server
    .sendLoggingMessage({
      level: 'info',
      logger: 'rlm',
      data: `rlm_ask cancelled after ${seconds}s: the run was aborted and its sandbox disposed.`,
    })
    .catch(() => undefined);
  return { isError: true, content: [{ type: 'text', text: 'rlm_ask was cancelled.' }] };
}

function answerResult(answer: RlmAskAnswer): CallToolResult {
  const tokens = answer.usage ? answer.usage.total.inputTokens + answer.usage.total.outputTokens : 0;
  const summary =
    `${answer.status}: ${answer.turns} turn${answer.turns === 1 ? '' : 's'}, ${(answer.durationMs / 1000).toFixed(1)}s, ` +
    `${tokens.toLocaleString('en-US')} tokens, $${answer.costUsd.toFixed(4)}` +
    (answer.failedSubCalls?.count
      ? `, ${answer.failedSubCalls.count} of ${answer.failedSubCalls.total} sub-calls failed`
      : '') +
    (answer.trajectoryFile ? `. Trajectory: ${answer.trajectoryFile}` : '');
  const content: CallToolResult['content'] = [];
  if (answer.answer !== undefined) {
    content.push({ type: 'text', text: answer.partial ? `PARTIAL ANSWER: ${answer.answer}` : answer.answer });
  } else {
    content.push({
      type: 'text',
      text: `No answer: ${answer.error?.message ?? 'the run stopped before the model gave one'}`,
    });
  }
  content.push({ type: 'text', text: summary });
  if (answer.trajectoryFile) {
    content.push({
      type: 'resource_link',
      uri: pathToFileURL(answer.trajectoryFile).href,
      name: basename(answer.trajectoryFile),
      mimeType: 'application/jsonl',
      description: 'The run as JSONL: every turn, code cell, output and sub-call (rlm --resume reads it).',
    });
  }
  return {
    content,
    structuredContent: {
      answer: answer.answer ?? null,
      partial: answer.partial,
      status: answer.status,
      turns: answer.turns,
      durationMs: Math.round(answer.durationMs),
      costUsd: Math.round(answer.costUsd * 1e9) / 1e9,
      usage: answer.usage ? { ...answer.usage.total } : null,
      failedSubCalls: answer.failedSubCalls
        ? { count: answer.failedSubCalls.count, total: answer.failedSubCalls.total }
        : null,
      context: answer.context ?? null,
      trajectoryFile: answer.trajectoryFile ?? null,
      error: answer.error ?? null,
    },
    // Only a run that gave nothing is an error for the caller: a partial answer is still an answer.
    ...(answer.answer === undefined ? { isError: true } : {}),
  };
}
