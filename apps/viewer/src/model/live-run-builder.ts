import type { RLMEvent } from '@rlm/core';
import {
  emptyUsage,
  type RunModel,
  type ViewCall,
  type ViewCell,
  type ViewRun,
  type ViewTurn,
  viewText,
} from './run-model';
import { summarizeRun } from './summarize-run';

/**
 * Builds the view of a run in progress from its events (`rlm "…" --view`). Events carry previews
 * only (a sub-call's first 200 characters, a reply's head), so the live view is a sketch that fills
 * in as the run goes; when the run ends the page loads the saved trajectory instead.
 */
export class LiveRunBuilder {
  private nextId = 1;
  private records = 0;
  private root: ViewRun | undefined;
  private readonly runs = new Map<string, ViewRun>();
  private readonly calls = new Map<string, ViewCall>();
  /** Per run: its `rlm_query` calls still waiting for their child's `run-start`, in order. */
  private readonly waitingForChild = new Map<string, ViewCall[]>();
  private readonly runStart = new Map<string, number>();
  private readonly currentCell = new Map<string, ViewCell>();

  add(event: RLMEvent): void {
    this.records++;
    const run = this.runs.get(event.runId);
    switch (event.type) {
      case 'run-start': {
        const started: ViewRun = {
          id: this.nextId++,
          depth: event.depth,
          question: viewText(event.question),
          status: 'running',
          rootModel: event.rootModel,
          subModel: event.subModel,
          startedAt: event.timestamp,
          usage: emptyUsage(),
          turns: [],
        };
        this.runs.set(event.runId, started);
        this.runStart.set(event.runId, event.timestamp);
        if (event.parentRunId === undefined || this.root === undefined) this.root ??= started;
        else {
          const call = this.waitingForChild.get(event.parentRunId)?.shift();
          if (call) call.child = started;
        }
        return;
      }
      case 'turn-start':
        run?.turns.push({
          id: this.nextId++,
          turn: event.turn,
          startedAt: event.timestamp,
          response: viewText(''),
          usage: emptyUsage(),
          cells: [],
        });
        if (run && event.maxTurns) run.maxTurns = event.maxTurns;
        return;
      case 'model-call-end': {
        if (!run) return;
        const usage = event.usage;
        if (usage) {
          run.usage.input += usage.inputTokens;
          run.usage.output += usage.outputTokens;
          run.usage.cached += usage.cachedInputTokens ?? 0;
        }
        if (event.costUsd !== undefined) run.costUsd = (run.costUsd ?? 0) + event.costUsd;
        const turn = run.turns.at(-1);
        if (turn && (event.role === 'root' || event.role === 'max-turns-fallback')) {
          turn.response = viewText(event.replyPreview ?? '');
          turn.modelDurationMs = event.durationMs;
          if (usage)
            turn.usage = {
              input: usage.inputTokens,
              output: usage.outputTokens,
              cached: usage.cachedInputTokens ?? 0,
            };
          if (event.costUsd !== undefined) turn.costUsd = event.costUsd;
        }
        return;
      }
      case 'cell-start': {
        const turn = lastTurn(run);
        if (!turn) return;
        const cell: ViewCell = {
          id: this.nextId++,
          index: event.index,
          code: viewText(event.code),
          ran: false,
          stdout: viewText(''),
          stderr: viewText(''),
          startedAt: event.timestamp,
          variables: [],
          calls: [],
        };
        turn.cells.push(cell);
        this.currentCell.set(event.runId, cell);
        return;
      }
      case 'cell-end': {
        const cell = this.currentCell.get(event.runId);
        if (!cell) return;
        const result = event.result;
        cell.ran = true;
        cell.stdout = viewText(result.stdout);
        cell.stderr = viewText(result.stderr);
        cell.durationMs = result.durationMs;
        if (result.value !== undefined) cell.value = result.value;
        if (result.error) cell.error = { ...result.error };
        if (result.stateLost) cell.stateLost = result.stateLost;
        if (result.final) cell.final = { source: result.final.source, value: viewText(result.final.value) };
        cell.variables = (result.variables ?? []).map((variable) => ({ ...variable }));
        return;
      }
      case 'sub-call-start': {
        const cell = this.currentCell.get(event.runId);
        const call: ViewCall = {
          id: this.nextId++,
          kind: event.kind,
          model: event.model,
          prompt: { text: event.promptPreview ?? '', length: event.promptCharacters },
          startedAt: event.timestamp,
          startKnown: true,
          outcome: 'running',
        };
        this.calls.set(event.callId, call);
        cell?.calls.push(call);
        if (event.kind === 'rlm') {
          const waiting = this.waitingForChild.get(event.runId) ?? [];
          waiting.push(call);
          this.waitingForChild.set(event.runId, waiting);
        }
        return;
      }
      case 'sub-call-end': {
        const call = this.calls.get(event.callId);
        if (!call) return;
        call.durationMs = event.durationMs;
        call.outcome = event.outcome ?? (event.error ? 'failed' : 'answered');
        if (event.error) call.error = { ...event.error };
        if (event.responsePreview !== undefined) call.response = viewText(event.responsePreview);
        if (event.servedFrom) call.servedFrom = event.servedFrom;
        return;
      }
      case 'turn-end': {
        const turn = lastTurn(run);
        if (!turn) return;
        turn.durationMs = event.timestamp - (turn.startedAt ?? event.timestamp);
        if (event.finalAnswer !== undefined) turn.finalAnswer = viewText(event.finalAnswer);
        return;
      }
      case 'run-end':
      case 'run-error': {
        if (!run) return;
        run.durationMs = event.durationMs;
        run.usage = {
          input: event.usage.total.inputTokens,
          output: event.usage.total.outputTokens,
          cached: event.usage.total.cachedInputTokens,
        };
        run.costUsd = event.usage.total.costUsd;
        run.unpricedCalls = event.usage.total.callsWithUnknownCost;
        run.failedSubCalls = { failed: event.failedSubCalls.count, total: event.failedSubCalls.total };
        if (event.type === 'run-end') {
          run.status = 'answered';
          run.answer = viewText(event.answer);
        } else {
          run.status = 'failed';
          run.reason = `${event.error.name}: ${event.error.message}`;
        }
        return;
      }
      default:
        return;
    }
  }

  /** The view of everything received so far, or undefined before the run started. */
  model(): RunModel | undefined {
    if (!this.root) return undefined;
    if (this.root.status === 'running')
      this.root.durationMs = Date.now() - (this.root.startedAt ?? Date.now());
    return summarizeRun({ source: 'live', root: this.root, records: this.records, warnings: [] });
  }
}

function lastTurn(run: ViewRun | undefined): ViewTurn | undefined {
  return run?.turns.at(-1);
}
