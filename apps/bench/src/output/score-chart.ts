import { STRATEGY_NAMES, type StrategyName } from '../strategies/strategy';
import { TASK_FAMILIES, type TaskFamily } from '../tasks/bench-instance';
import { formatTokens, type ResultCell } from './aggregate-results';

/** Colours and markers per strategy: distinct in hue and shape, so the chart reads in grey too. */
const STYLE: Readonly<
  Record<
    StrategyName,
    {
      readonly colour: string;
      readonly marker: 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'star';
      readonly dash?: string;
    }
  >
> = {
  base: { colour: '#6b7280', marker: 'circle', dash: '6 4' },
  'summary-agent': { colour: '#d97706', marker: 'square', dash: '6 4' },
  'codeact-bm25': { colour: '#7c3aed', marker: 'triangle', dash: '6 4' },
  'rlm-no-sub-calls': { colour: '#0891b2', marker: 'diamond' },
  'rlm-depth-1': { colour: '#2563eb', marker: 'cross' },
  'rlm-depth-2': { colour: '#dc2626', marker: 'star' },
};

const FAMILY_TITLES: Readonly<Record<TaskFamily, string>> = {
  oolong: 'OOLONG-like (aggregation)',
  'oolong-pairs': 'OOLONG-Pairs-like (F1 over pairs)',
  sniah: 'S-NIAH (needle in a haystack)',
  browsecomp: 'BrowseComp-Plus-like (multi-hop)',
  codeqa: 'CodeQA-like (this code base)',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function marker(kind: (typeof STYLE)[StrategyName]['marker'], x: number, y: number, colour: string): string {
  const size = 5;
  switch (kind) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="${size}" fill="${colour}"/>`;
    case 'square':
      return `<rect x="${x - size}" y="${y - size}" width="${2 * size}" height="${2 * size}" fill="${colour}"/>`;
    case 'triangle':
      return `<polygon points="${x},${y - size - 1} ${x - size - 1},${y + size} ${x + size + 1},${y + size}" fill="${colour}"/>`;
    case 'diamond':
      return `<polygon points="${x},${y - size - 1} ${x + size + 1},${y} ${x},${y + size + 1} ${x - size - 1},${y}" fill="${colour}"/>`;
    case 'cross':
      return `<path d="M${x - size},${y - size}L${x + size},${y + size}M${x - size},${y + size}L${x + size},${y - size}" stroke="${colour}" stroke-width="3"/>`;
    case 'star': {
      const points: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        const radius = index % 2 === 0 ? size + 2 : (size + 2) / 2.4;
        const angle = (Math.PI / 5) * index - Math.PI / 2;
        points.push(
          `${(x + radius * Math.cos(angle)).toFixed(1)},${(y + radius * Math.sin(angle)).toFixed(1)}`,
        );
      }
      return `<polygon points="${points.join(' ')}" fill="${colour}"/>`;
    }
  }
}

/**
 * Score against context length, one panel per task family and one line per strategy: the shape of
 * the paper's Figure 1. Hand-written SVG (no dependency): axes with units, a log-2 x axis at the
 * sizes run, a legend, and in an offline run a title that says it is a harness check.
 */
export function scoreChartSvg(cells: readonly ResultCell[], title: string, subtitle: string): string {
  const families = TASK_FAMILIES.filter((family) => cells.some((cell) => cell.family === family));
  const strategies = STRATEGY_NAMES.filter((strategy) => cells.some((cell) => cell.strategy === strategy));
  const sizes = [...new Set(cells.map((cell) => cell.sizeTokens))].sort((a, b) => a - b);
  const columns = 3;
  const panelWidth = 380;
  const panelHeight = 300;
  const panels = families.length + 1; // the last slot holds the legend
  const rows = Math.ceil(panels / columns);
  const top = 78;
  const width = columns * panelWidth + 40;
  const height = top + rows * panelHeight + 20;
  const plot = { left: 62, right: 22, top: 36, bottom: 58 };
  const logMin = Math.log2(sizes[0] ?? 1);
  const logMax = Math.log2(sizes.at(-1) ?? 2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="32" text-anchor="middle" font-size="21" font-weight="bold" fill="${title.startsWith('HARNESS') ? '#b91c1c' : '#111827'}">${escapeXml(title)}</text>`,
    `<text x="${width / 2}" y="56" text-anchor="middle" font-size="13" fill="#374151">${escapeXml(subtitle)}</text>`,
  ];
  families.forEach((family, panelIndex) => {
    const originX = 20 + (panelIndex % columns) * panelWidth;
    const originY = top + Math.floor(panelIndex / columns) * panelHeight;
    const x0 = originX + plot.left;
    const x1 = originX + panelWidth - plot.right;
    const y0 = originY + panelHeight - plot.bottom;
    const y1 = originY + plot.top;
    const xOf = (size: number) =>
      logMax === logMin
        ? (x0 + x1) / 2
        : x0 + 14 + ((Math.log2(size) - logMin) / (logMax - logMin)) * (x1 - x0 - 28);
    const yOf = (score: number) => y0 - (score / 100) * (y0 - y1);
    parts.push(
      `<text x="${(x0 + x1) / 2}" y="${originY + 22}" text-anchor="middle" font-size="15" font-weight="bold" fill="#111827">${escapeXml(FAMILY_TITLES[family])}</text>`,
    );
    for (const score of [0, 25, 50, 75, 100]) {
      const y = yOf(score);
      parts.push(
        `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="${score === 0 ? '#374151' : '#e5e7eb'}" stroke-width="1"/>`,
      );
      parts.push(
        `<text x="${x0 - 8}" y="${y + 4}" text-anchor="end" font-size="12" fill="#374151">${score}</text>`,
      );
    }
    parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#374151" stroke-width="1"/>`);
    for (const size of sizes) {
      const x = xOf(size);
      parts.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 5}" stroke="#374151"/>`);
      parts.push(
        `<text x="${x}" y="${y0 + 19}" text-anchor="middle" font-size="12" fill="#374151">${formatTokens(size)}</text>`,
      );
    }
    parts.push(
      `<text x="${(x0 + x1) / 2}" y="${y0 + 40}" text-anchor="middle" font-size="12" fill="#111827">context length (tokens, log scale)</text>`,
    );
    parts.push(
      `<text transform="translate(${originX + 16} ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#111827">score (%)</text>`,
    );
    strategies.forEach((strategy, strategyIndex) => {
      const style = STYLE[strategy];
      // Strategies with equal scores would hide each other's lines: each is drawn 2 px from the next.
      const offset = (strategyIndex - (strategies.length - 1) / 2) * 2;
      const points = sizes
        .map((size) =>
          cells.find(
            (cell) => cell.family === family && cell.sizeTokens === size && cell.strategy === strategy,
          ),
        )
        .filter((cell): cell is ResultCell => cell !== undefined)
        .map((cell) => ({ x: xOf(cell.sizeTokens), y: yOf(cell.score) + offset }));
      if (points.length > 1) {
        parts.push(
          `<polyline points="${points.map((point) => `${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ')}" fill="none" stroke="${style.colour}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} opacity="0.9"/>`,
        );
      }
      for (const point of points) parts.push(marker(style.marker, point.x, point.y, style.colour));
    });
  });
  // Legend, in the slot after the last panel.
  const legendX = 20 + (families.length % columns) * panelWidth + 40;
  const legendY = top + Math.floor(families.length / columns) * panelHeight + 40;
  parts.push(
    `<text x="${legendX}" y="${legendY}" font-size="15" font-weight="bold" fill="#111827">strategy</text>`,
  );
  strategies.forEach((strategy, index) => {
    const style = STYLE[strategy];
    const y = legendY + 28 + index * 30;
    parts.push(
      `<line x1="${legendX}" y1="${y}" x2="${legendX + 44}" y2="${y}" stroke="${style.colour}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`,
    );
    parts.push(marker(style.marker, legendX + 22, y, style.colour));
    parts.push(
      `<text x="${legendX + 56}" y="${y + 5}" font-size="14" fill="#111827">${escapeXml(strategy)}</text>`,
    );
  });
  parts.push(
    `<text x="${legendX}" y="${legendY + 28 + strategies.length * 30 + 8}" font-size="12" fill="#6b7280">dashed: baselines; solid: RLMs.</text>`,
  );
  parts.push(
    `<text x="${legendX}" y="${legendY + 28 + strategies.length * 30 + 26}" font-size="12" fill="#6b7280">Equal scores are drawn 2 px apart.</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
