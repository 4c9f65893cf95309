import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewerServer, type ViewerServer } from '../src/index';
import { launchChromium } from './browser';
import { childRun, failedRun, largeTrajectory, smallRun } from './sample-runs';

/*
 * The viewer in a real browser (Debian's Chromium, driven by playwright-core), one browser for every
 * view. Each view is written as a screenshot to test-artifacts/ (git-ignored) for review.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(here, '..', 'test-artifacts');
const scratch = mkdtempSync(join(tmpdir(), 'rlm-viewer-test-'));
let chrome: { browser: BrowserContext; close: () => Promise<void> };
const servers: ViewerServer[] = [];
const measured: Record<string, number> = {};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(scratch, { recursive: true, force: true });
  writeFileSync(join(ARTIFACTS, 'measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
});

/** What the functions run inside the page use of it (the tests are type-checked without the DOM's types). */
interface ScrollBox {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
}
interface PageGlobals {
  document: { querySelector(selector: string): ScrollBox | null };
  requestAnimationFrame(callback: (now: number) => void): number;
  frameGaps?: { worst: number; last: number };
}

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** Opens a file in a new page and waits until the saved view is on screen; returns the page and its time to first render. */
async function openFile(path: string, hash = ''): Promise<{ page: Page; firstRenderMs: number }> {
  const server = await startViewerServer({ source: { file: path } });
  servers.push(server);
  const page = await chrome.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url + hash);
  await page.waitForSelector('body[data-phase="saved"], [data-testid="failure"]', { timeout: 30_000 });
  expect(errors).toStrictEqual([]);
  const firstRenderMs = await page.evaluate(
    () => performance.getEntriesByName('rlm-first-render')[0]?.startTime ?? Number.NaN,
  );
  return { page, firstRenderMs };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

describe('rlm view in a browser', () => {
  it('shows a small run: summary, turns with highlighted code and outputs, FINAL, the call tree and a whole prompt', async () => {
    const { page } = await openFile(file('small.jsonl', await smallRun()));
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('answered');
    expect(await page.getByTestId('question').textContent()).toBe(
      'How many errors of each kind are in the log?',
    );
    expect(await page.getByTestId('answer').textContent()).toContain('disk: 100');
    expect(await page.getByTestId('turn').count()).toBe(3);
    expect(await page.getByTestId('sub-calls').textContent()).toContain('8');
    // Code is highlighted: the REPL's functions and strings have their own classes.
    expect(await page.locator('.tk-builtin', { hasText: 'llm_query_batched' }).count()).toBe(1);
    expect(await page.locator('.tk-string').count()).toBeGreaterThan(3);
    expect(await page.getByTestId('stdout').first().textContent()).toContain('400 lines');
    expect(await page.getByTestId('final').textContent()).toContain('database: 100');
    await page.locator('details.variables summary').first().click();
    expect(await page.locator('.var-name', { hasText: 'lines' }).first().isVisible()).toBe(true);
    await shot(page, 'small-run-timeline');

    await page.getByText('open in the call tree').click();
    await expect.poll(() => page.getByTestId('tree-row').count()).toBe(3 + 3 + 8);
    // The link selected the cell's first call: its whole prompt is in the side pane, and searchable.
    await expect
      .poll(() => page.getByTestId('detail-prompt').textContent())
      .toContain('Count errors per kind');
    await page.getByLabel('Find in the selected node').fill('error');
    await expect.poll(() => page.locator('.detail mark').count()).toBeGreaterThan(10);
    await shot(page, 'small-run-call-tree');
    await page.close();
  });

  it('nests a child RLM, its turns and its own sub-call under the rlm_query that made it, and finds it by search', async () => {
    const { page } = await openFile(file('child.jsonl', await childRun()), '#tree');
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('answered');
    const rows = page.getByTestId('tree-row');
    const labels = await rows.locator('.row-label').allTextContents();
    expect(labels).toStrictEqual([
      'turn 1',
      'cell 1.1',
      'rlm_query #1',
      'depth 1 · turn 1',
      'cell 1.1',
      'llm_query #1',
      'depth 1 · turn 2',
      'cell 2.1',
      'turn 2',
      'cell 2.1',
    ]);
    // Deeper rows are indented further: the child's sub-call sits under the child's cell.
    const indent = async (index: number) =>
      Number.parseFloat(
        (await rows.nth(index).getAttribute('style'))?.match(/padding-left:\s*([\d.]+)/)?.[1] ?? '0',
      );
    expect(await indent(5)).toBeGreaterThan(await indent(4));
    expect(await indent(4)).toBeGreaterThan(await indent(2));
    await rows.nth(2).locator('.toggle').click();
    await expect.poll(() => rows.count()).toBe(10 - 5);
    await rows.nth(2).locator('.toggle').click();

    await page.getByTestId('search-input').fill('failure kinds');
    await page.getByTestId('search-input').press('Enter');
    await expect.poll(() => page.getByTestId('search-hit').count()).toBeGreaterThan(0);
    await shot(page, 'child-run-search');
    // The hit in the child's sub-call prompt (the child's reply, which holds the code, matches too).
    await page.getByTestId('search-hit').filter({ hasText: 'llm_query #1 · prompt' }).click();
    await expect.poll(() => page.url()).toMatch(/#tree\/call-\d+$/);
    await expect
      .poll(() => page.getByTestId('detail-prompt').textContent())
      .toContain('Are these failure kinds?');
    // A deep link opens the same place in a new page.
    const deep = await chrome.browser.newPage();
    await deep.goto(page.url());
    await expect
      .poll(() => deep.getByTestId('detail-prompt').textContent())
      .toContain('Are these failure kinds?');
    await shot(page, 'child-run-call-tree');
    await deep.close();
    await page.close();
  });

  it('shows a failed run: the reason, a cell error, the lost state and the refused sub-call', async () => {
    const { page } = await openFile(file('failed.jsonl', await failedRun()));
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('failed');
    expect(await page.getByTestId('reason').textContent()).toContain('HTTP 500');
    expect(await page.getByTestId('cell-error').first().textContent()).toContain('SyntaxError');
    expect(await page.getByTestId('state-lost').textContent()).toContain(
      'every variable from earlier cells is gone',
    );
    expect(await page.getByTestId('sub-calls').textContent()).toContain('1 failed');
    await shot(page, 'failed-run-timeline');
    await page.goto(`${page.url().split('#')[0]}#tree`);
    await expect.poll(() => page.locator('.tree-row.bad-row .badge', { hasText: 'failed' }).count()).toBe(1);
    await page.close();
  });

  it('opens a log of the reference library: its question, iterations, locals and sub-calls with tokens', async () => {
    const { page } = await openFile(join(here, 'fixtures', 'reference-log.jsonl'));
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('answered');
    expect(await page.getByTestId('question').textContent()).toBe('Which city has the most sensor alerts?');
    expect(await page.getByTestId('answer').textContent()).toBe('Oslo');
    expect(await page.getByTestId('turn').count()).toBe(3);
    expect(await page.getByTestId('sub-calls').textContent()).toContain('4 · 1 failed');
    expect(await page.locator('.file + .muted').textContent()).toContain('reference library log');
    await shot(page, 'reference-log-timeline');
    await page.goto(`${page.url().split('#')[0]}#time`);
    await expect.poll(() => page.getByTestId('concurrency-chart').count()).toBe(1);
    await shot(page, 'reference-log-time');
    await page.close();
  });

  it('opens a run of 10,000 sub-calls in under 2 s and scrolls its call tree with a few dozen rows in the page', async () => {
    const { page, firstRenderMs } = await openFile(file('large.jsonl', largeTrajectory(10_000)), '#tree');
    measured.tenThousandSubCallsFirstRenderMs = Math.round(firstRenderMs);
    console.log(`10,000 sub-calls: first render ${Math.round(firstRenderMs)} ms after navigation`);
    expect(firstRenderMs).toBeLessThan(2_000);
    expect(await page.getByTestId('sub-calls').textContent()).toContain('10.0k');
    const inPage = await page.getByTestId('tree-row').count();
    expect(inPage).toBeGreaterThan(10);
    expect(inPage).toBeLessThan(120);
    // Scroll to the end: the last call is drawn, and still only a window of rows is in the page.
    const scrolled = await page.evaluate(async () => {
      const { document, requestAnimationFrame } = globalThis as unknown as PageGlobals;
      const list = document.querySelector('.vlist') as ScrollBox;
      const gaps: number[] = [];
      let last = performance.now();
      // 60 jumps from top to bottom, each to rows never drawn before.
      for (let top = 0; top <= list.scrollHeight; top += Math.ceil(list.scrollHeight / 60)) {
        list.scrollTop = top;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
      list.scrollTop = list.scrollHeight;
      await new Promise(requestAnimationFrame);
      gaps.sort((a, b) => a - b);
      return { frames: gaps.length, medianMs: gaps[gaps.length >> 1] ?? 0, worstMs: gaps.at(-1) ?? 0 };
    });
    measured.tenThousandSubCallsScrollMedianFrameMs = Math.round(scrolled.medianMs);
    measured.tenThousandSubCallsScrollWorstFrameMs = Math.round(scrolled.worstMs);
    console.log(
      `scrolled ${scrolled.frames} screens: median frame ${Math.round(scrolled.medianMs)} ms, worst ${Math.round(scrolled.worstMs)} ms`,
    );
    // Bounds with room for a loaded 2-core machine; a list that rendered every row takes seconds a frame.
    expect(scrolled.medianMs).toBeLessThan(100);
    expect(scrolled.worstMs).toBeLessThan(1_000);
    await expect
      .poll(() => page.locator('.row-label', { hasText: 'llm_query #2500' }).count())
      .toBeGreaterThan(0);
    expect(await page.getByTestId('tree-row').count()).toBeLessThan(120);
    await shot(page, 'ten-thousand-sub-calls-tree');
    await page.goto(`${page.url().split('#')[0]}#time`);
    await expect.poll(() => page.getByTestId('breakdown').count()).toBe(1);
    expect(await page.locator('.time .muted').first().textContent()).toContain('peak 16 at once');
    await shot(page, 'ten-thousand-sub-calls-time');
    await page.close();
  });

  it('reads a 100 MB file without freezing the page', async () => {
    const text = largeTrajectory(2_000, 50_000);
    expect(text.length).toBeGreaterThan(100_000_000);
    const path = file('hundred-mb.jsonl', text);
    const server = await startViewerServer({ source: { file: path } });
    servers.push(server);
    const page = await chrome.browser.newPage();
    // The longest gap between animation frames while the file loads: a frozen tab has none for seconds.
    await page.addInitScript(() => {
      const page = globalThis as unknown as PageGlobals;
      const { requestAnimationFrame } = page;
      const state = { worst: 0, last: performance.now() };
      page.frameGaps = state;
      const tick = (now: number) => {
        state.worst = Math.max(state.worst, now - state.last);
        state.last = now;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const started = Date.now();
    await page.goto(server.url);
    await page.waitForSelector('body[data-phase="saved"]', { timeout: 60_000 });
    const loadMs = Date.now() - started;
    const worst = await page.evaluate(() => (globalThis as unknown as PageGlobals).frameGaps?.worst ?? 0);
    measured.hundredMegabytesLoadMs = loadMs;
    measured.hundredMegabytesWorstFrameGapMs = Math.round(worst);
    console.log(`100 MB: opened in ${loadMs} ms, longest frame gap ${Math.round(worst)} ms`);
    expect(worst).toBeLessThan(1_000);
    expect(await page.getByTestId('sub-calls').textContent()).toContain('2.00k');
    await shot(page, 'hundred-megabytes');
    await page.close();
  });

  it('shows a run live while it goes, then becomes its saved view', async () => {
    const server = await startViewerServer({ source: { live: true, title: 'live run' } });
    servers.push(server);
    const page = await chrome.browser.newPage();
    await page.goto(server.url);
    await page.getByTestId('loading').waitFor();
    let finished = false;
    let release = () => {};
    const lastTurn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const run = smallRun((event) => server.publish(event), lastTurn).then((jsonl) => {
      finished = true;
      return jsonl;
    });
    await page.getByTestId('live-banner').waitFor({ timeout: 10_000 });
    // Turn 2's cell, with its sub-calls, while turn 3's root call is held.
    await page.getByTestId('cell').nth(1).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('sub-calls').textContent()).toContain('8');
    expect(await page.getByTestId('status').textContent()).toBe('running');
    expect(finished).toBe(false);
    await shot(page, 'live-run-in-progress');
    release();
    const jsonl = await run;
    server.finish({ jsonl });
    await page.getByTestId('saved-banner').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('answered');
    expect(await page.getByTestId('turn').count()).toBe(3);
    await shot(page, 'live-run-saved');
    await page.close();
  });

  it('opens a file cut off mid-write with what is readable, and says so', async () => {
    const whole = await smallRun();
    const cut = whole.slice(0, whole.lastIndexOf('"type":"iteration"') + 200);
    const { page } = await openFile(file('truncated.jsonl', cut));
    await expect.poll(() => page.getByTestId('warning').first().textContent()).toContain('cut off');
    expect(await page.getByTestId('turn').count()).toBe(2);
    await shot(page, 'truncated-file');
    await page.close();
  });
});
