import { useEffect, useState } from 'preact/hooks';
import type { IndexedNode, TextField } from '../../model/page-copy';
import type { ViewText } from '../../model/run-model';
import { cutNote, formatCost, formatDuration, formatTokens } from '../format';
import type { WorkerClient } from '../worker-client';
import { CodeView, MarkedText } from './code-view';

/** The selected node in full: a call's whole prompt and response (fetched from the worker), searchable. */
export function DetailPane({
  entry,
  client,
  origin,
}: {
  entry: IndexedNode | undefined;
  client: WorkerClient;
  origin: number | undefined;
}) {
  const [filter, setFilter] = useState('');
  if (!entry) return <aside class="detail muted pad">Select a row to see its prompt and response.</aside>;
  const search = (
    <input
      class="filter"
      type="search"
      placeholder="Find in this call…"
      value={filter}
      onInput={(event) => setFilter((event.target as HTMLInputElement).value)}
      aria-label="Find in the selected node"
    />
  );
  if (entry.kind === 'call') {
    const call = entry.node;
    const at = call.startedAt !== undefined && origin !== undefined ? call.startedAt - origin : undefined;
    return (
      <aside class="detail" data-testid="detail">
        <h3>
          {call.kind === 'rlm' ? 'rlm_query' : 'llm_query'} → {call.model}
        </h3>
        <p class="muted">
          {formatDuration(call.durationMs)}
          {at !== undefined
            ? ` · started at +${formatDuration(at)}${call.startKnown ? '' : ' (estimated)'}`
            : ''}
          {call.usage ? ` · ${formatTokens(call.usage)}` : ''}
          {call.costUsd !== undefined ? ` · ${formatCost(call.costUsd)}` : ''}
          {call.servedFrom ? ` · answered from ${call.servedFrom}` : ''}
        </p>
        {search}
        {call.error && (
          <pre class="output error">
            {call.error.name}: {call.error.message}
          </pre>
        )}
        <WholeText
          label="Prompt"
          id={call.id}
          field="prompt"
          text={call.prompt}
          client={client}
          filter={filter}
        />
        {call.response && (
          <WholeText
            label="Response"
            id={call.id}
            field="response"
            text={call.response}
            client={client}
            filter={filter}
          />
        )}
        {call.child && (
          <p class="muted">
            A child RLM: {call.child.turns.length} turn{call.child.turns.length === 1 ? '' : 's'},{' '}
            {call.child.status}
            {call.child.reason ? ` (${call.child.reason})` : ''}. Its turns are in the tree under this call.
          </p>
        )}
      </aside>
    );
  }
  if (entry.kind === 'cell') {
    const cell = entry.node;
    return (
      <aside class="detail" data-testid="detail">
        <h3>
          cell {entry.turn.turn}.{cell.index + 1}
          {entry.run.depth > 0 ? ` (child run, depth ${entry.run.depth})` : ''}
        </h3>
        <CodeView code={cell.code.text} />
        {search}
        <WholeText
          label="Output"
          id={cell.id}
          field="stdout"
          text={cell.stdout}
          client={client}
          filter={filter}
        />
        {cell.stderr.text && (
          <WholeText
            label="stderr"
            id={cell.id}
            field="stderr"
            text={cell.stderr}
            client={client}
            filter={filter}
          />
        )}
        {cell.error && (
          <pre class="output error">
            {cell.error.name}: {cell.error.message}
          </pre>
        )}
        {cell.stateLost && <p class="state-lost">State lost: {cell.stateLost}</p>}
      </aside>
    );
  }
  if (entry.kind === 'turn') {
    const turn = entry.node;
    return (
      <aside class="detail" data-testid="detail">
        <h3>
          turn {turn.turn}
          {entry.run.depth > 0 ? ` (child run, depth ${entry.run.depth})` : ''}
        </h3>
        <p class="muted">
          model {formatDuration(turn.modelDurationMs)} · {formatTokens(turn.usage)}
        </p>
        {entry.run.depth > 0 && turn.turn === 1 && (
          <p>
            <strong>Question of the child run:</strong> {entry.run.question.text}
          </p>
        )}
        {search}
        <WholeText
          label="Reply"
          id={turn.id}
          field="response"
          text={turn.response}
          client={client}
          filter={filter}
        />
      </aside>
    );
  }
  return <aside class="detail muted pad">The run.</aside>;
}

function WholeText(props: {
  label: string;
  id: number;
  field: TextField;
  text: ViewText;
  client: WorkerClient;
  filter: string;
}) {
  const { label, id, field, text, client, filter } = props;
  const [whole, setWhole] = useState<string | undefined>(undefined);
  useEffect(() => {
    setWhole(undefined);
    if (text.text.length < text.length) void client.text(id, field).then(setWhole);
  }, [id, field, text, client]);
  const shown = whole ?? text.text;
  const matches = filter ? countMatches(shown, filter) : 0;
  return (
    <section class="whole-text">
      <h4>
        {label}{' '}
        <span class="muted small">
          {text.length.toLocaleString('en-US')} characters
          {whole === undefined && cutNote(text) ? ` (${cutNote(text)}, loading)` : ''}
        </span>
        {filter && (
          <span class="small">
            {' '}
            · {matches} match{matches === 1 ? '' : 'es'}
          </span>
        )}
      </h4>
      <pre class="output" data-testid={`detail-${field}`}>
        <MarkedText text={shown} query={filter} />
      </pre>
    </section>
  );
}

function countMatches(text: string, query: string): number {
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  let count = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) count++;
  return count;
}
