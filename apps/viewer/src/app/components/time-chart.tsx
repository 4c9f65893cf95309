import type { TimeProfile } from '../../model/time-profile';
import { formatDuration } from '../format';

const WIDTH = 1000;
const CHART_HEIGHT = 180;
const BAND_HEIGHT = 18;
const LEFT = 40;

/**
 * Sub-calls in flight over time (the fan-out of a batch, the queue behind a concurrency limit, the
 * gaps of back-offs), the root turns as bands above it (model call dark, cells light), and where the
 * root run's wall time went.
 */
export function TimeChart({ profile }: { profile: TimeProfile }) {
  const span = profile.spanMs;
  const x = (ms: number) => LEFT + (Math.max(0, ms) / span) * (WIDTH - LEFT - 10);
  const peak = Math.max(1, profile.peak);
  const y = (count: number) => BAND_HEIGHT + 10 + CHART_HEIGHT - (count / peak) * CHART_HEIGHT;
  let path = `M ${x(0)} ${y(0)}`;
  for (const step of profile.steps) path += ` H ${x(step.at).toFixed(1)} V ${y(step.count).toFixed(1)}`;
  path += ` H ${x(span)} V ${y(0)}`;
  const ticks = niceTicks(span);
  const { breakdown } = profile;
  const parts = [
    { key: 'model', label: 'root model', value: breakdown.model },
    { key: 'sandbox', label: 'sandbox (cells’ own code)', value: breakdown.sandbox },
    { key: 'subcalls', label: 'cells waiting for sub-calls', value: breakdown.subCalls },
    { key: 'other', label: 'other (loop, prompts, fallback)', value: breakdown.other },
  ];
  const total = Math.max(
    1,
    parts.reduce((sum, part) => sum + part.value, 0),
  );
  return (
    <div class="time pad">
      <h3>Sub-calls in flight</h3>
      <p class="muted small">
        peak {profile.peak} at once · {profile.timed} timed sub-calls
        {profile.estimatedStarts > 0
          ? ` · ${profile.estimatedStarts} starts estimated (the file did not record them: each call drawn from its cell's start)`
          : ''}
      </p>
      <svg
        viewBox={`0 0 ${WIDTH} ${CHART_HEIGHT + BAND_HEIGHT + 40}`}
        class="chart"
        role="img"
        aria-label="Sub-calls in flight over time"
        data-testid="concurrency-chart"
      >
        {profile.turns.map((turn) => (
          <g key={turn.turn}>
            <rect
              x={x(turn.start)}
              y={4}
              width={Math.max(1, x(turn.modelEnd) - x(turn.start))}
              height={BAND_HEIGHT}
              class="band-model"
            >
              <title>
                turn {turn.turn}: root model {formatDuration(turn.modelEnd - turn.start)}
              </title>
            </rect>
            <rect
              x={x(turn.modelEnd)}
              y={4}
              width={Math.max(0, x(turn.end) - x(turn.modelEnd))}
              height={BAND_HEIGHT}
              class="band-cells"
            >
              <title>
                turn {turn.turn}: cells {formatDuration(turn.end - turn.modelEnd)}
              </title>
            </rect>
            <text x={x(turn.start) + 3} y={17} class="band-label">
              {turn.turn}
            </text>
          </g>
        ))}
        {[0, 0.5, 1].map((fraction) => (
          <g key={fraction}>
            <line x1={LEFT} x2={WIDTH - 10} y1={y(peak * fraction)} y2={y(peak * fraction)} class="grid" />
            <text x={LEFT - 6} y={y(peak * fraction) + 4} class="axis" text-anchor="end">
              {Math.round(peak * fraction)}
            </text>
          </g>
        ))}
        <path d={path} class="inflight" />
        {ticks.map((tick) => (
          <text key={tick} x={x(tick)} y={CHART_HEIGHT + BAND_HEIGHT + 30} class="axis" text-anchor="middle">
            {tick === 0 ? '0' : formatDuration(tick)}
          </text>
        ))}
      </svg>
      <h3>Where the time went</h3>
      <div class="breakdown" data-testid="breakdown">
        {parts.map((part) => (
          <div
            key={part.key}
            class={`part part-${part.key}`}
            style={{ width: `${(part.value / total) * 100}%` }}
            title={`${part.label}: ${formatDuration(part.value)}`}
          />
        ))}
      </div>
      <ul class="legend">
        {parts.map((part) => (
          <li key={part.key}>
            <span class={`swatch part-${part.key}`} /> {part.label}:{' '}
            <strong>{formatDuration(part.value)}</strong> ({Math.round((part.value / total) * 100)}%)
          </li>
        ))}
      </ul>
    </div>
  );
}

function niceTicks(span: number): number[] {
  const raw = span / 6;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let at = 0; at <= span + 1e-9; at += step) ticks.push(at);
  return ticks;
}
