import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type IndexedNode, indexNodes } from '../model/page-copy';
import type { RunModel } from '../model/run-model';
import type { SearchHit } from '../model/search-run';
import { timeProfile } from '../model/time-profile';
import { CallTree, flattenTree } from './components/call-tree';
import { DetailPane } from './components/detail-pane';
import { SearchResults } from './components/search-results';
import { Summary } from './components/summary';
import { TimeChart } from './components/time-chart';
import { Timeline } from './components/timeline';
import { formatCount, formatDuration } from './format';
import { WorkerClient } from './worker-client';
import type { WorkerMessage } from './worker-protocol';

type Tab = 'timeline' | 'tree' | 'time' | 'search';

/** What the address's hash says: `#tree/call-12`, `#timeline/turn-3`, `#time`, `#search=text`. */
interface Route {
  tab: Tab;
  id?: number;
  query?: string;
}

function parseHash(hash: string): Route {
  const text = decodeURIComponent(hash.replace(/^#/, ''));
  if (text.startsWith('search=')) return { tab: 'search', query: text.slice('search='.length) };
  const [view, node] = text.includes('/') ? text.split('/', 2) : [undefined, text];
  const match = /^(turn|cell|call|run)-(\d+)$/.exec(node ?? '');
  const tab: Tab =
    view === 'tree' || view === 'time' || view === 'timeline'
      ? view
      : node === 'time' || node === 'tree'
        ? node
        : match?.[1] === 'call'
          ? 'tree'
          : 'timeline';
  return match ? { tab, id: Number(match[2]) } : { tab };
}

/** The link to a node: its turn or cell in the timeline when it is the root run's, else the tree. */
function linkTo(entry: IndexedNode | undefined, id: number): string {
  if (!entry) return `#tree/call-${id}`;
  if (entry.kind === 'call' || entry.kind === 'run' || entry.run.depth > 0)
    return `#tree/${entry.kind}-${id}`;
  return `#timeline/${entry.kind}-${id}`;
}

interface Source {
  mode: 'file' | 'live';
  name: string;
}

function App() {
  const [source, setSource] = useState<Source | undefined>(undefined);
  const [model, setModel] = useState<RunModel | undefined>(undefined);
  const [phase, setPhase] = useState<'live' | 'saved' | undefined>(undefined);
  const [progress, setProgress] = useState<
    { bytes: number; totalBytes?: number | undefined; lines: number } | undefined
  >(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  const [collapsed, setCollapsed] = useState<Set<number>>(() => new Set());
  const [search, setSearch] = useState<{
    query: string;
    hits: SearchHit[];
    total: number;
    searching: boolean;
  }>({
    query: '',
    hits: [],
    total: 0,
    searching: false,
  });
  const clientRef = useRef<WorkerClient | undefined>(undefined);

  useEffect(() => {
    const client = new WorkerClient((message: WorkerMessage) => {
      if (message.type === 'progress') setProgress(message);
      else if (message.type === 'model') {
        setModel(message.model);
        setPhase(message.phase);
      } else if (message.type === 'failed') setFailure(message.message);
    });
    clientRef.current = client;
    fetch('/api/source')
      .then((response) => response.json() as Promise<Source>)
      .then((info) => {
        setSource(info);
        document.title = `${info.name} · rlm view`;
        client.open(info.mode);
      })
      .catch((error: Error) => setFailure(`The viewer's server did not answer: ${error.message}`));
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // The first time a run is on screen, and each change of phase: what the browser tests time and wait for.
  useEffect(() => {
    if (!model || !phase) return;
    if (performance.getEntriesByName('rlm-first-render').length === 0) performance.mark('rlm-first-render');
    document.body.dataset.phase = phase;
  }, [model, phase]);

  const index = useMemo(() => (model ? indexNodes(model.root) : new Map<number, IndexedNode>()), [model]);
  const rows = useMemo(() => (model ? flattenTree(model.root, collapsed) : []), [model, collapsed]);
  const profile = useMemo(
    () => (model && route.tab === 'time' ? timeProfile(model) : undefined),
    [model, route.tab],
  );

  useEffect(() => {
    const query = route.query ?? '';
    if (route.tab !== 'search' || !query || !clientRef.current || !model) return;
    setSearch({ query, hits: [], total: 0, searching: true });
    void clientRef.current.search(query).then((found) => setSearch({ query, ...found, searching: false }));
  }, [route.tab, route.query, model]);

  // A deep link to a node inside a collapsed part of the tree opens the way to it.
  useEffect(() => {
    if (route.id === undefined || route.tab !== 'timeline') return;
    document.getElementById(`${index.get(route.id)?.kind}-${route.id}`)?.scrollIntoView({ block: 'start' });
  }, [route, index]);

  if (failure) {
    return (
      <main class="failure pad" data-testid="failure">
        <h1>rlm view could not open this run</h1>
        <p>{failure}</p>
      </main>
    );
  }
  if (!model) {
    return (
      <main class="loading pad" data-testid="loading">
        <h1>{source?.name ?? 'rlm view'}</h1>
        <p>
          {source?.mode === 'live'
            ? 'Waiting for the run to start…'
            : progress
              ? `Reading… ${formatCount(progress.lines)} lines, ${(progress.bytes / 1e6).toFixed(1)}${progress.totalBytes ? ` of ${(progress.totalBytes / 1e6).toFixed(1)}` : ''} MB`
              : 'Reading…'}
        </p>
      </main>
    );
  }

  const selected = route.id;
  const entry = selected === undefined ? undefined : index.get(selected);
  const tabs: { tab: Tab; label: string; href: string }[] = [
    { tab: 'timeline', label: `Timeline (${model.root.turns.length} turns)`, href: '#timeline' },
    { tab: 'tree', label: `Call tree (${formatCount(model.totals.subCalls)} sub-calls)`, href: '#tree' },
    { tab: 'time', label: 'Time', href: '#time' },
  ];
  if (route.tab === 'search' || search.query)
    tabs.push({
      tab: 'search',
      label: `Search${search.query ? `: ${search.query}` : ''}`,
      href: `#search=${encodeURIComponent(search.query)}`,
    });

  return (
    <div class="app">
      <header class="top">
        <span class="brand">rlm view</span>
        <span class="file" data-testid="file-name">
          {source?.name}
        </span>
        <span class="muted small">
          {model.source === 'reference'
            ? 'reference library log'
            : model.source === 'live'
              ? 'live'
              : 'rlm trajectory'}{' '}
          · {formatCount(model.records)} {model.source === 'live' ? 'events' : 'lines'}
        </span>
        <SearchBox initial={route.query ?? ''} />
      </header>
      {phase === 'live' && (
        <p class="banner live" data-testid="live-banner">
          Live: the run is going ({formatDuration(model.root.durationMs)} so far). This page follows it and
          becomes the saved view when it ends.
        </p>
      )}
      {phase === 'saved' && source?.mode === 'live' && (
        <p class="banner done" data-testid="saved-banner">
          The run ended: this is its saved trajectory.
        </p>
      )}
      {model.warnings.map((warning) => (
        <p key={warning} class="banner warn" data-testid="warning">
          {warning}
        </p>
      ))}
      <Summary model={model} />
      <nav class="tabs">
        {tabs.map((item) => (
          <a
            key={item.tab}
            href={item.href}
            class={route.tab === item.tab ? 'active' : ''}
            data-testid={`tab-${item.tab}`}
          >
            {item.label}
          </a>
        ))}
      </nav>
      <div class="content">
        {route.tab === 'timeline' && (
          <div class="scroll">
            <Timeline run={model.root} selected={selected} />
          </div>
        )}
        {route.tab === 'tree' && (
          <div class="split">
            <CallTree
              rows={rows}
              selected={selected}
              onToggle={(id) =>
                setCollapsed((previous) => {
                  const next = new Set(previous);
                  if (next.has(id)) next.delete(id);
                  else next.add(id);
                  return next;
                })
              }
            />
            {clientRef.current && (
              <DetailPane entry={entry} client={clientRef.current} origin={model.root.startedAt} />
            )}
          </div>
        )}
        {route.tab === 'time' && profile && (
          <div class="scroll">
            <TimeChart profile={profile} />
          </div>
        )}
        {route.tab === 'search' && (
          <SearchResults
            query={search.query}
            hits={search.hits}
            total={search.total}
            searching={search.searching}
            linkFor={(id) => linkTo(index.get(id), id)}
          />
        )}
      </div>
    </div>
  );
}

function SearchBox({ initial }: { initial: string }) {
  const [value, setValue] = useState(initial);
  return (
    <form
      class="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) location.hash = `search=${encodeURIComponent(value.trim())}`;
      }}
    >
      <input
        type="search"
        placeholder="Search prompts, responses, code, outputs…"
        value={value}
        onInput={(event) => setValue((event.target as HTMLInputElement).value)}
        aria-label="Search the run"
        data-testid="search-input"
      />
    </form>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
