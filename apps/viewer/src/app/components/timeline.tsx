import type { ViewCell, ViewRun, ViewTurn } from '../../model/run-model';
import { cutNote, formatCost, formatCount, formatDuration, formatTokens } from '../format';
import { CodeView } from './code-view';

/** Each root turn: the reply's prose, then each cell's code, output, errors, lost state and FINAL. */
export function Timeline({ run, selected }: { run: ViewRun; selected: number | undefined }) {
  if (run.turns.length === 0) return <p class="muted pad">No turn yet.</p>;
  return (
    <div class="timeline">
      {run.turns.map((turn) => (
        <TurnCard key={turn.id} turn={turn} run={run} selected={selected} />
      ))}
    </div>
  );
}

function TurnCard({ turn, run, selected }: { turn: ViewTurn; run: ViewRun; selected: number | undefined }) {
  const prose = proseOf(turn.response.text);
  return (
    <article
      id={`turn-${turn.id}`}
      class={`turn ${selected === turn.id ? 'selected' : ''} ${turn.finalAnswer ? 'final-turn' : ''}`}
      data-testid="turn"
    >
      <header class="turn-head">
        <a href={`#turn-${turn.id}`} class="turn-title">
          Turn {turn.turn}
          {run.maxTurns ? `/${run.maxTurns}` : ''}
        </a>
        <span class="muted">
          model {formatDuration(turn.modelDurationMs)} · turn {formatDuration(turn.durationMs)} ·{' '}
          {formatTokens(turn.usage)}
          {turn.costUsd !== undefined ? ` · ${formatCost(turn.costUsd)}` : ''}
          {turn.servedFrom ? ` · from ${turn.servedFrom}` : ''}
          {turn.finishReason && turn.finishReason !== 'stop' ? ` · finish: ${turn.finishReason}` : ''}
        </span>
      </header>
      {prose.trim() && <div class="prose">{prose}</div>}
      {!turn.response.text && turn.cells.length === 0 && turn.durationMs === undefined && (
        <p class="muted">Waiting for the root model…</p>
      )}
      {cutNote(turn.response) && <p class="muted small">reply: {cutNote(turn.response)}</p>}
      {turn.cells.map((cell) => (
        <CellView key={cell.id} cell={cell} turn={turn} selected={selected} />
      ))}
      {turn.finalAnswer && (
        <div class="final" data-testid="final">
          <span class="badge final-badge">FINAL</span>
          <pre>{turn.finalAnswer.text}</pre>
        </div>
      )}
    </article>
  );
}

function CellView({
  cell,
  turn,
  selected,
}: {
  cell: ViewCell;
  turn: ViewTurn;
  selected: number | undefined;
}) {
  const failed = cell.calls.filter((call) => call.error).length;
  return (
    <section
      id={`cell-${cell.id}`}
      class={`cell ${selected === cell.id ? 'selected' : ''}`}
      data-testid="cell"
    >
      <div class="cell-head">
        <a href={`#cell-${cell.id}`}>
          cell {turn.turn}.{cell.index + 1}
        </a>
        <span class="muted">
          {cell.ran ? formatDuration(cell.durationMs) : 'did not run (an earlier block called FINAL)'}
        </span>
        {cell.final && <span class="badge final-badge">{cell.final.source}</span>}
        {cell.error && <span class="badge bad-badge">{cell.error.kind ?? 'error'}</span>}
      </div>
      <CodeView code={cell.code.text} label={`code of cell ${turn.turn}.${cell.index + 1}`} />
      {cell.stdout.text && (
        <pre class="output" data-testid="stdout">
          {cell.stdout.text}
        </pre>
      )}
      {cutNote(cell.stdout) && <p class="muted small">output: {cutNote(cell.stdout)}</p>}
      {cell.droppedOutputChars ? (
        <p class="muted small">
          {formatCount(cell.droppedOutputChars)} more characters of output were dropped in the sandbox.
        </p>
      ) : null}
      {cell.stderr.text && (
        <pre class="output stderr" data-testid="stderr">
          {cell.stderr.text}
        </pre>
      )}
      {cell.value !== undefined && !cell.error && <pre class="output value">⇒ {cell.value}</pre>}
      {cell.error && (
        <pre class="output error" data-testid="cell-error">
          {cell.error.name}: {cell.error.message}
          {cell.error.line !== undefined ? ` (line ${cell.error.line})` : ''}
        </pre>
      )}
      {cell.stateLost && (
        <p class="state-lost" data-testid="state-lost">
          <strong>State lost:</strong> {cell.stateLost}
        </p>
      )}
      {cell.variables.length > 0 && (
        <details class="variables">
          <summary>Variables ({cell.variables.length})</summary>
          <table>
            <tbody>
              {cell.variables.map((variable) => (
                <tr key={variable.name}>
                  <td class="var-name">{variable.name}</td>
                  <td class="muted">{variable.type ?? ''}</td>
                  <td class="var-preview">{variable.preview}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {cell.calls.length > 0 && (
        <a class="calls-link" href={`#call-${cell.calls[0]?.id}`}>
          {formatCount(cell.calls.length)} sub-call{cell.calls.length === 1 ? '' : 's'}
          {failed > 0 ? ` · ${failed} failed` : ''}
          {cell.calls.some((call) => call.child)
            ? ` · ${cell.calls.filter((call) => call.child).length} child RLM`
            : ''}{' '}
          → open in the call tree
        </a>
      )}
    </section>
  );
}

/** The reply without its code blocks (they are shown as cells): a marker stands for each. */
function proseOf(response: string): string {
  let block = 0;
  return response.replace(/```[^\n]*\n[\s\S]*?(?:```|$)/g, () => `[code block ${++block}: below]`);
}
