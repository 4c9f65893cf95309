/** The progress of a benchmark on stderr: a bar with the running cost, redrawn in a terminal. */
export class ProgressLine {
  private done = 0;
  private last = '';

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream,
    private readonly spentUsd: () => number,
  ) {}

  /** One run finished (`label`: what, and its score). */
  finished(label: string): void {
    this.done += 1;
    this.draw(label, true);
  }

  /** The cost changed while runs are going (a terminal redraws; a log gets no line). */
  costChanged(): void {
    if (this.stream.isTTY) this.draw(this.last, false);
  }

  private draw(label: string, finished: boolean): void {
    this.last = label;
    const width = 24;
    const filled = this.total === 0 ? width : Math.round((this.done / this.total) * width);
    const line = `rlm-bench [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  $${this.spentUsd().toFixed(4)} spent  ${label}`;
    if (this.stream.isTTY) {
      const columns = this.stream.columns ?? 100;
      this.stream.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
    } else if (finished) {
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the redrawn line, so that what follows starts on its own. */
  close(): void {
    if (this.stream.isTTY && this.last !== '') this.stream.write('\n');
  }
}
