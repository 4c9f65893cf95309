/**
 * Splits a byte stream into UTF-8 lines (without their `\n`). Each byte is looked at once and copied
 * at most once, so a line of 50 MB that arrives in thousands of chunks costs time linear in its size,
 * never the quadratic cost of re-scanning or re-concatenating a growing buffer per chunk.
 */
export class LineReader {
  private pieces: Buffer[] = [];
  private piecesLength = 0;

  /**
   * @param onLine receives every complete line, decoded as UTF-8.
   * @param maxLineBytes a line longer than this is not buffered further: `onOverflow` is called once
   *   and the reader drops everything after it, so a misbehaving peer cannot fill the host's memory.
   * @param onOverflow called when a line passes `maxLineBytes`.
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = Number.POSITIVE_INFINITY,
    private readonly onOverflow: () => void = () => {},
  ) {}

  private overflowed = false;

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    if (this.overflowed) return;
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
      if (line.length > this.maxLineBytes) {
        this.overflow();
        return;
      }
      this.onLine(line.toString('utf8'));
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.pieces.push(chunk.subarray(start));
      this.piecesLength += chunk.length - start;
      if (this.piecesLength > this.maxLineBytes) this.overflow();
    }
  }

  /** Bytes of the line that has not ended yet. */
  get bufferedBytes(): number {
    return this.piecesLength;
  }

  private overflow(): void {
    this.overflowed = true;
    this.pieces = [];
    this.piecesLength = 0;
    this.onOverflow();
  }
}
