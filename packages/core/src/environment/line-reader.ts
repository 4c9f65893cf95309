/** What a {@link LineReader} does with what it reads, and when it gives up on the stream. */
export interface LineReaderOptions {
  /**
   * A line longer than this many bytes is not buffered further: `onFailure` is called once and the
   * reader drops everything after it, so a misbehaving peer cannot fill the host's memory (nor make a
   * string longer than V8 can hold). Default: no limit.
   */
  readonly maxLineBytes?: number;
  /**
   * Called with the first `checkStartBytes` bytes of a line that is still arriving once that many have
   * arrived; returning `false` fails the stream at once. It lets the owner refuse a line that cannot be
   * a message of the protocol before it buffers the rest of it.
   */
  readonly checkStart?: (head: Buffer) => boolean;
  /** How many bytes of a line `checkStart` looks at. Default 64 KiB. */
  readonly checkStartBytes?: number;
  /** Called once when the stream fails: a line too long, a bad start, or one that could not be decoded. */
  readonly onFailure?: (reason: string) => void;
}

/**
 * Splits a byte stream into UTF-8 lines (without their `\n`). Each byte is looked at once and copied
 * at most once, so a line of 50 MB that arrives in thousands of chunks costs time linear in its size,
 * never the quadratic cost of re-scanning or re-concatenating a growing buffer per chunk. It never
 * throws: whatever goes wrong with the stream ends it through `onFailure`.
 */
export class LineReader {
  private pieces: Buffer[] = [];
  private piecesLength = 0;
  private startChecked = false;
  private failed = false;
  private readonly maxLineBytes: number;
  private readonly checkStartBytes: number;

  /**
   * @param onLine receives every complete line, decoded as UTF-8. What it throws fails the stream.
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly options: LineReaderOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? Number.POSITIVE_INFINITY;
    this.checkStartBytes = options.checkStartBytes ?? 64 * 1024;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.split(chunk);
    } catch (error) {
      this.fail(`a line could not be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private split(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      const tail = chunk.subarray(start, newline);
      let line = tail;
      if (this.pieces.length > 0) {
        this.pieces.push(tail);
        line = Buffer.concat(this.pieces, this.piecesLength + tail.length);
        this.pieces = [];
        this.piecesLength = 0;
      }
      this.startChecked = false;
      if (line.length > this.maxLineBytes) {
        this.fail(`it sent a line longer than ${this.maxLineBytes} bytes`);
        return;
      }
      this.onLine(line.toString('utf8'));
      if (this.failed) return;
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.pieces.push(chunk.subarray(start));
      this.piecesLength += chunk.length - start;
      if (this.piecesLength > this.maxLineBytes) {
        this.fail(`it sent more than ${this.maxLineBytes} bytes without ending the line`);
        return;
      }
      this.checkPartialStart();
    }
  }

  private checkPartialStart(): void {
    const { checkStart } = this.options;
    if (checkStart === undefined || this.startChecked || this.piecesLength < this.checkStartBytes) return;
    this.startChecked = true;
    const head = Buffer.concat(this.pieces, this.piecesLength).subarray(0, this.checkStartBytes);
    if (!checkStart(head)) this.fail('it wrote a line that did not come from its protocol code');
  }

  /** Bytes of the line that has not ended yet. */
  get bufferedBytes(): number {
    return this.piecesLength;
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.pieces = [];
    this.piecesLength = 0;
    this.options.onFailure?.(reason);
  }
}
