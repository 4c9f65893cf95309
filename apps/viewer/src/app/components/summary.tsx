import type { RunModel } from '../../model/run-model';
import { formatCost, formatCount, formatDuration, formatTokens } from '../format';

const STATUS_WORDS: Record<string, string> = {
  answered: 'answered',
  partial: 'partial answer',
  failed: 'failed',
  running: 'running',
  unfinished: 'unfinished',
};

/** The run at a glance: question, answer, status and why, models, counts, tokens, cost, time. */
export function Summary({ model }: { model: RunModel }) {
  const { root, totals } = model;
  const failed = root.failedSubCalls?.failed ?? totals.failedSubCalls;
  return (
    <section class="summary" aria-label="Run summary">
      <div class="summary-texts">
        <div class="field">
          <span class="label">Question</span>
          <p class="question" data-testid="question">
            {root.question.text || <em>(no question recorded)</em>}
          </p>
        </div>
        <div class="field">
          <span class="label">Answer</span>
          {root.answer ? (
            <pre class="answer" data-testid="answer">
              {root.answer.text}
            </pre>
          ) : (
            <p class="muted">{root.status === 'running' ? 'not yet' : 'none'}</p>
          )}
        </div>
        {root.reason && (
          <p class={`reason status-${root.status}`} data-testid="reason">
            {root.reason}
          </p>
        )}
      </div>
      <dl class="stats">
        <div>
          <dt>Status</dt>
          <dd>
            <span class={`badge status-${root.status}`} data-testid="status">
              {STATUS_WORDS[root.status] ?? root.status}
            </span>
          </dd>
        </div>
        <div>
          <dt>Root model</dt>
          <dd>{root.rootModel ?? '–'}</dd>
        </div>
        <div>
          <dt>Sub-model</dt>
          <dd>{root.subModel ?? '–'}</dd>
        </div>
        <div>
          <dt>Turns</dt>
          <dd data-testid="turns">
            {totals.turns}
            {root.maxTurns ? ` / ${root.maxTurns}` : ''}
          </dd>
        </div>
        <div>
          <dt>Sub-calls</dt>
          <dd data-testid="sub-calls">
            {formatCount(totals.subCalls)}
            {failed > 0 && <span class="bad"> · {failed} failed</span>}
            {totals.childRuns > 0 && ` · ${totals.childRuns} child RLM${totals.childRuns === 1 ? '' : 's'}`}
          </dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{formatTokens(totals.usage)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(totals.costUsd, totals.unknownCost)}</dd>
        </div>
        <div>
          <dt>Wall time</dt>
          <dd data-testid="wall-time">{formatDuration(root.durationMs)}</dd>
        </div>
        {root.environment && (
          <div>
            <dt>Environment</dt>
            <dd>{root.environment}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}
