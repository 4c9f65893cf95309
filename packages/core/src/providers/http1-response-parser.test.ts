import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Http1ResponseParser, MalformedResponseError, type ResponseHead } from './http1-response-parser';

/** What the parser reported for one response fed in some pieces. */
interface Outcome {
  heads: ResponseHead[];
  body: Buffer;
  /** onEnd calls counted after the last piece, before `finish()`. */
  endsBeforeFinish: number;
  /** onEnd calls counted after `finish()`. */
  ends: number;
  extraBytes: number;
}

function parse(pieces: readonly Uint8Array[], noBody = false): Outcome {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  let ends = 0;
  const parser = new Http1ResponseParser(
    {
      onHead: (head) => heads.push(head),
      // The parser does not retain a piece: copy it, as a consumer that keeps it must.
      onBody: (chunk) => body.push(Buffer.from(chunk)),
      onEnd: () => {
        ends += 1;
      },
    },
    noBody,
  );
  for (const piece of pieces) parser.feed(piece);
  const endsBeforeFinish = ends;
  parser.finish();
  return { heads, body: Buffer.concat(body), endsBeforeFinish, ends, extraBytes: parser.extraBytes };
}

/**
 * Every way the tests cut a response: whole, one byte at a time, and in two at every offset (as
 * sockets may deliver it). Pieces are fresh `Uint8Array`s (not Buffers) over a larger buffer, so
 * offsets into a shared backing store are exercised too.
 */
function* splits(raw: Buffer, everyOffset = true): Generator<{ how: string; pieces: Uint8Array[] }> {
  const view = (start: number, end: number) => {
    const backing = new Uint8Array(end - start + 8);
    backing.set(raw.subarray(start, end), 4);
    return backing.subarray(4, 4 + end - start);
  };
  yield { how: 'whole', pieces: [view(0, raw.length)] };
  yield {
    how: 'byte by byte',
    pieces: Array.from({ length: raw.length }, (_, index) => view(index, index + 1)),
  };
  if (everyOffset) {
    for (let offset = 1; offset < raw.length; offset++) {
      yield { how: `split at ${offset}`, pieces: [view(0, offset), view(offset, raw.length)] };
    }
  } else {
    for (const size of [7, 1000, 4096, 16_384]) {
      const pieces: Uint8Array[] = [];
      for (let start = 0; start < raw.length; start += size)
        pieces.push(view(start, Math.min(raw.length, start + size)));
      yield { how: `${size}-byte pieces`, pieces };
    }
  }
}

const crlf = (lines: readonly string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

const gzippedJson = gzipSync('{"compressed":true}');

interface WellFormed {
  name: string;
  raw: Buffer;
  noBody?: boolean;
  status: number;
  statusText?: string;
  body: Buffer | string;
  keepAlive: boolean;
  keepAliveTimeoutMs?: number;
  /** Ended before `finish()`: false only for bodies that run to the end of the connection. */
  endsWithoutClose?: boolean;
  /** The exact header pairs, when the case is about them. */
  headers?: Array<[string, string]>;
}

const WELL_FORMED: WellFormed[] = [
  {
    name: 'Content-Length',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      'Content-Length: 15',
      '',
      '{"ok":"yes\r\n!"}',
    ]),
    status: 200,
    statusText: 'OK',
    body: '{"ok":"yes\r\n!"}',
    keepAlive: true,
    headers: [
      ['Content-Type', 'application/json'],
      ['Content-Length', '15'],
    ],
  },
  {
    name: 'Content-Length: 0',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Length: 0', '', '']),
    status: 200,
    body: '',
    keepAlive: true,
  },
  {
    name: 'the same Content-Length twice, and as a list',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Length: 5', 'content-length: 5, 5', '', 'hello']),
    status: 200,
    body: 'hello',
    keepAlive: true,
  },
  {
    name: 'a reason phrase with spaces, header values trimmed, an empty value, names as sent',
    raw: crlf([
      'HTTP/1.1 404 Not Found Here',
      'X-Padded: \t  padded value \t',
      'X-Utf8: voil\u00c3\u00a0',
      'X-Empty:',
      'x-MiXeD: a:b:c',
      'Content-Length: 2',
      '',
      'no',
    ]),
    status: 404,
    statusText: 'Not Found Here',
    body: 'no',
    keepAlive: true,
    headers: [
      ['X-Padded', 'padded value'],
      ['X-Utf8', 'voil\u00c3\u00a0'],
      ['X-Empty', ''],
      ['x-MiXeD', 'a:b:c'],
      ['Content-Length', '2'],
    ],
  },
  {
    name: 'no reason phrase',
    raw: crlf(['HTTP/1.1 200', 'Content-Length: 1', '', 'x']),
    status: 200,
    statusText: '',
    body: 'x',
    keepAlive: true,
  },
  {
    name: 'chunked with chunk extensions and trailers',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      '',
      '5;name=value;quoted="a;b"',
      'hello',
      '1 ; spaced',
      ' ',
      'D',
      'world\r\n!\r\n0\r\n',
      '00;last=1',
      'X-Trailer: t',
      'X-Other: u',
      '',
      '',
    ]),
    status: 200,
    body: 'hello world\r\n!\r\n0\r\n',
    keepAlive: true,
    headers: [['Transfer-Encoding', 'chunked']],
  },
  {
    name: 'chunked without trailers, upper-case hex and leading zeros, coding name in any case',
    raw: Buffer.concat([
      crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: Chunked', '', '000A', '']),
      Buffer.from('0123456789\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n'),
    ]),
    status: 200,
    body: '0123456789abcdefghijklmnopqrstuvwxyz',
    keepAlive: true,
  },
  {
    name: 'a body that runs until the connection closes',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Type: text/plain', '', 'all of this\r\n\r\nuntil the end']),
    status: 200,
    body: 'all of this\r\n\r\nuntil the end',
    keepAlive: false,
    endsWithoutClose: false,
  },
  {
    name: '100 Continue and 103 Early Hints before the final response',
    raw: crlf([
      'HTTP/1.1 100 Continue',
      '',
      'HTTP/1.1 103 Early Hints',
      'Link: </style.css>; rel=preload',
      'Content-Length: 99',
      '',
      'HTTP/1.1 201 Created',
      'Content-Length: 4',
      '',
      'made',
    ]),
    status: 201,
    statusText: 'Created',
    body: 'made',
    keepAlive: true,
    headers: [['Content-Length', '4']],
  },
  {
    name: '204 with a Content-Length',
    raw: crlf(['HTTP/1.1 204 No Content', 'Content-Length: 10', '', '']),
    status: 204,
    body: '',
    keepAlive: true,
  },
  {
    name: '204 without a Content-Length',
    raw: crlf(['HTTP/1.1 204 No Content', '', '']),
    status: 204,
    body: '',
    keepAlive: true,
  },
  {
    name: '304 with a Content-Length (of the representation, not of this message)',
    raw: crlf(['HTTP/1.1 304 Not Modified', 'Content-Length: 1234', 'ETag: "x"', '', '']),
    status: 304,
    body: '',
    keepAlive: true,
  },
  {
    name: '304 without a Content-Length',
    raw: crlf(['HTTP/1.1 304 Not Modified', '', '']),
    status: 304,
    body: '',
    keepAlive: true,
  },
  {
    name: 'the answer to HEAD: no body whatever the Content-Length says',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Length: 5000', '', '']),
    noBody: true,
    status: 200,
    body: '',
    keepAlive: true,
  },
  {
    name: 'the answer to HEAD: no body, chunked or not',
    raw: crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '']),
    noBody: true,
    status: 200,
    body: '',
    keepAlive: true,
  },
  {
    name: 'HTTP/1.0 without Connection: keep-alive',
    raw: crlf(['HTTP/1.0 200 OK', 'Content-Length: 3', '', 'old']),
    status: 200,
    body: 'old',
    keepAlive: false,
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive',
    raw: crlf([
      'HTTP/1.0 200 OK',
      'Connection: Keep-Alive',
      'Keep-Alive: timeout=7',
      'Content-Length: 3',
      '',
      'old',
    ]),
    status: 200,
    body: 'old',
    keepAlive: true,
    keepAliveTimeoutMs: 7000,
  },
  {
    name: 'HTTP/1.0 until close',
    raw: crlf(['HTTP/1.0 200 OK', '', 'to the end']),
    status: 200,
    body: 'to the end',
    keepAlive: false,
    endsWithoutClose: false,
  },
  {
    name: 'Connection: close',
    raw: crlf(['HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 3', '', 'bye']),
    status: 200,
    body: 'bye',
    keepAlive: false,
  },
  {
    name: 'close among other Connection tokens, over two header lines',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Connection: x-custom',
      'Connection: foo, Close',
      'Content-Length: 3',
      '',
      'bye',
    ]),
    status: 200,
    body: 'bye',
    keepAlive: false,
  },
  {
    name: 'Keep-Alive: timeout=N',
    raw: crlf(['HTTP/1.1 200 OK', 'Keep-Alive: max=100, timeout=5', 'Content-Length: 2', '', 'ok']),
    status: 200,
    body: 'ok',
    keepAlive: true,
    keepAliveTimeoutMs: 5000,
  },
  {
    name: 'Transfer-Encoding: gzip, chunked (the transfer gzip is left to the caller)',
    raw: Buffer.concat([
      crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked', '', '']),
      Buffer.from(`${(10).toString(16)}\r\n`),
      gzippedJson.subarray(0, 10),
      Buffer.from(`\r\n${(gzippedJson.length - 10).toString(16)}\r\n`),
      gzippedJson.subarray(10),
      Buffer.from('\r\n0\r\n\r\n'),
    ]),
    status: 200,
    body: gzippedJson,
    keepAlive: true,
  },
  {
    name: 'Transfer-Encoding not ending in chunked: until close',
    raw: Buffer.concat([crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', '', '']), gzippedJson]),
    status: 200,
    body: gzippedJson,
    keepAlive: false,
    endsWithoutClose: false,
  },
  {
    name: 'Transfer-Encoding and Content-Length: the chunked framing wins, the connection is not reused',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Content-Length: 3',
      'Transfer-Encoding: chunked',
      '',
      '6',
      'abcdef',
      '0',
      '',
      '',
    ]),
    status: 200,
    body: 'abcdef',
    keepAlive: false,
  },
  {
    name: 'a binary body',
    raw: Buffer.concat([
      crlf(['HTTP/1.1 200 OK', 'Content-Length: 256', '', '']),
      Buffer.from(Array.from({ length: 256 }, (_, index) => index)),
    ]),
    status: 200,
    body: Buffer.from(Array.from({ length: 256 }, (_, index) => index)),
    keepAlive: true,
  },
];

describe('Http1ResponseParser: well-formed responses give the same head, body and end however they are cut', () => {
  for (const sample of WELL_FORMED) {
    it(sample.name, () => {
      let checked = 0;
      for (const { how, pieces } of splits(sample.raw)) {
        const outcome = parse(pieces, sample.noBody);
        const label = `${sample.name}, ${how}`;
        expect(outcome.heads, label).toHaveLength(1);
        const [head] = outcome.heads;
        expect(head!.status, label).toBe(sample.status);
        if (sample.statusText !== undefined) expect(head!.statusText, label).toBe(sample.statusText);
        if (sample.headers) expect(head!.headers, label).toEqual(sample.headers);
        expect(head!.keepAlive, label).toBe(sample.keepAlive);
        expect(head!.keepAliveTimeoutMs, label).toBe(sample.keepAliveTimeoutMs);
        expect(outcome.body.equals(Buffer.from(sample.body)), `${label}: body ${outcome.body}`).toBe(true);
        expect(outcome.endsBeforeFinish, label).toBe(sample.endsWithoutClose === false ? 0 : 1);
        expect(outcome.ends, label).toBe(1);
        expect(outcome.extraBytes, label).toBe(0);
        checked += 1;
      }
      expect(checked).toBe(sample.raw.length + 1);
    });
  }

  it('counts bytes after the end as extra, and never reads them as body, however cut', () => {
    const smuggled = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged';
    const endings: Array<{ name: string; raw: string; noBody?: boolean; body: string }> = [
      { name: 'Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', body: 'ok' },
      {
        name: 'chunked',
        raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n',
        body: 'ok',
      },
      { name: '204', raw: 'HTTP/1.1 204 No Content\r\n\r\n', body: '' },
      { name: 'HEAD', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n', noBody: true, body: '' },
    ];
    for (const ending of endings) {
      const raw = Buffer.from(ending.raw + smuggled, 'latin1');
      for (const { how, pieces } of splits(raw)) {
        const outcome = parse(pieces, ending.noBody);
        const label = `${ending.name}, ${how}`;
        expect(outcome.heads, label).toHaveLength(1);
        expect(outcome.body.toString(), label).toBe(ending.body);
        expect(outcome.ends, label).toBe(1);
        expect(outcome.extraBytes, label).toBe(smuggled.length);
      }
    }
  });
});

/** Repeats `unit` to at least `bytes` bytes. */
const filler = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

interface Malformed {
  name: string;
  raw: Buffer;
  /** Too large to cut at every offset: cut in pieces of a few sizes instead. */
  large?: boolean;
  /** The message names what is wrong. */
  message: RegExp;
}

const head = (...lines: string[]) => crlf([...lines, '', '']);

const MALFORMED: Malformed[] = [
  ...[
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 200OK',
    'HTTP/1.1  200 OK',
    'HTTP/1.2 200 OK',
    'http/1.1 200 OK',
    'HTTP/1.1 abc OK',
    'HTTP/1.1 099 Too Low',
    'HTTP/1.1 000 Zero',
    'ICY 200 OK',
    ' HTTP/1.1 200 OK',
    '',
  ].map((line) => ({
    name: `bad status line ${JSON.stringify(line)}`,
    raw: head(line, 'Content-Length: 0'),
    message: /status line/,
  })),
  ...['HTTP/2 200', 'HTTP/2.0 200 OK', 'HTTP/3 200'].map((line) => ({
    name: `status line of another version: ${line}`,
    raw: head(line, 'content-length: 0'),
    message: /status line/,
  })),
  {
    name: 'another protocol, with no blank line ever (fails at once, not at 64 KiB or the close)',
    raw: Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'),
    message: /status line/,
  },
  {
    name: 'a 1xx followed by bytes that are not a response (a body a 1xx may not have)',
    raw: Buffer.from('HTTP/1.1 100 Continue\r\ncontent-length: 2\r\n\r\n{}'),
    message: /status line/,
  },
  {
    name: 'header without a colon',
    raw: head('HTTP/1.1 200 OK', 'Content-Length 5', 'X: y'),
    message: /header line/,
  },
  {
    name: 'header with an empty name',
    raw: head('HTTP/1.1 200 OK', ': value', 'Content-Length: 0'),
    message: /header line/,
  },
  {
    name: 'obs-fold with a leading space',
    raw: head('HTTP/1.1 200 OK', 'X-Folded: first', ' Content-Length: 0'),
    message: /header line/,
  },
  {
    name: 'obs-fold with a leading tab',
    raw: head('HTTP/1.1 200 OK', 'X-Folded: first', '\tsecond', 'Content-Length: 0'),
    message: /header line/,
  },
  {
    name: 'space before the colon',
    raw: head('HTTP/1.1 200 OK', 'Content-Length : 5', '', 'hello'),
    message: /header line/,
  },
  {
    name: 'tab before the colon',
    raw: head('HTTP/1.1 200 OK', 'Transfer-Encoding\t: chunked'),
    message: /header line/,
  },
  {
    name: 'conflicting Content-Length headers',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6', '', 'hello!']),
    message: /Content-Length/,
  },
  {
    name: 'conflicting Content-Length list',
    raw: crlf(['HTTP/1.1 200 OK', 'Content-Length: 5, 6', '', 'hello!']),
    message: /Content-Length/,
  },
  ...['abc', '-1', '+5', '5.0', '0x10', '', '1 2', '1234567890123456', '5\v', '\f5', '5\u00a0'].map(
    (value) => ({
      name: `non-numeric or out-of-range Content-Length ${JSON.stringify(value)}`,
      raw: crlf(['HTTP/1.1 200 OK', `Content-Length: ${value}`, '', 'hello']),
      message: /Content-Length/,
    }),
  ),
  ...['xyz', '', '-5', '0x5', '5 5', '+5', 'fffffffffffffffff', 'fffffffffffffff', '5\v', '\u00a05'].map(
    (size) => ({
      name: `bad or oversized chunk size ${JSON.stringify(size)}`,
      raw: crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', size, 'hello', '0', '', '']),
      message: /chunk size/,
    }),
  ),
  {
    name: 'chunk data longer than its size (no CRLF after it)',
    raw: crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '5', 'helloXY', '0', '', '']),
    message: /end of a chunk/,
  },
  {
    name: 'the next chunk size right after the data',
    raw: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n'),
    message: /end of a chunk/,
  },
  {
    name: 'a bare LF after the chunk data',
    raw: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n'),
    message: /end of a chunk/,
  },
  {
    name: 'a bare CR after the chunk data',
    raw: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n'),
    message: /end of a chunk/,
  },
  {
    name: 'a 101 protocol switch nobody asked for',
    raw: head('HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'),
    message: /101/,
  },
  {
    name: 'a head over 64 KiB (one long header)',
    raw: head('HTTP/1.1 200 OK', `X-Big: ${filler('a', 64 * 1024)}`, 'Content-Length: 0'),
    large: true,
    message: /headers over 64 KiB/,
  },
  {
    name: 'a head over 64 KiB (many headers) whose end never comes',
    raw: crlf(['HTTP/1.1 200 OK', ...Array.from({ length: 4000 }, (_, index) => `X-Header-${index}: value`)]),
    large: true,
    message: /headers over 64 KiB/,
  },
  {
    name: 'a chunk line over 4 KiB',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      '',
      `5;${filler('name=value;', 4097)}`,
      'hello',
      '0',
      '',
      '',
    ]),
    large: true,
    message: /chunk size over 4096 bytes/,
  },
  {
    name: 'trailers over 64 KiB',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      '',
      '2',
      'ok',
      '0',
      ...Array.from({ length: 3000 }, (_, index) => `X-Trailer-${index}: value`),
      '',
      '',
    ]),
    large: true,
    message: /trailers/,
  },
  {
    name: 'one trailer line over 64 KiB',
    raw: crlf([
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      '',
      '0',
      `X-Trailer: ${filler('t', 64 * 1024)}`,
      '',
      '',
    ]),
    large: true,
    message: /trailers/,
  },
];

describe('Http1ResponseParser: malformed responses throw MalformedResponseError however they are cut', () => {
  for (const sample of MALFORMED) {
    it(sample.name, () => {
      let checked = 0;
      for (const { how, pieces } of splits(sample.raw, !sample.large)) {
        const parser = new Http1ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
        let error: unknown;
        try {
          for (const piece of pieces) parser.feed(piece);
        } catch (caught) {
          error = caught;
        }
        expect(error, `${sample.name}, ${how}`).toBeInstanceOf(MalformedResponseError);
        expect((error as Error).message, `${sample.name}, ${how}`).toMatch(sample.message);
        expect((error as Error).message).toMatch(/^malformed HTTP response: /);
        checked += 1;
      }
      expect(checked).toBeGreaterThan(2);
    });
  }

  it('accepts a head and a chunk line just under the limits', () => {
    const nearLimit = crlf([
      'HTTP/1.1 200 OK',
      `X-Big: ${'a'.repeat(64 * 1024 - 200)}`,
      'Transfer-Encoding: chunked',
      '',
      `2;${'e'.repeat(4000)}`,
      'ok',
      '0',
      '',
      '',
    ]);
    for (const { how, pieces } of splits(nearLimit, false)) {
      const outcome = parse(pieces);
      expect(outcome.body.toString(), how).toBe('ok');
      expect(outcome.ends, how).toBe(1);
    }
  });
});

describe('Http1ResponseParser.finish: the connection closed', () => {
  const finishAfter = (raw: string) => {
    const events: string[] = [];
    const parser = new Http1ResponseParser({
      onHead: () => events.push('head'),
      onBody: (chunk) => events.push(`body ${Buffer.from(chunk).toString()}`),
      onEnd: () => events.push('end'),
    });
    parser.feed(Buffer.from(raw));
    return { parser, events };
  };

  it('ends a body that runs until close', () => {
    const { parser, events } = finishAfter('HTTP/1.1 200 OK\r\n\r\npartial');
    expect(parser.readsUntilClose).toBe(true);
    expect(parser.done).toBe(false);
    parser.finish();
    expect(parser.done).toBe(true);
    expect(events).toEqual(['head', 'body partial', 'end']);
    // A second close changes nothing.
    parser.finish();
    expect(events).toEqual(['head', 'body partial', 'end']);
  });

  it('does nothing after a response that had ended', () => {
    const { parser, events } = finishAfter('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(parser.done).toBe(true);
    parser.finish();
    expect(events).toEqual(['head', 'body ok', 'end']);
  });

  for (const [name, raw, message] of [
    ['before any byte', '', /before a complete head/],
    ['mid-status line', 'HTTP/1.1 20', /before a complete head/],
    ['mid-head', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n', /before a complete head/],
    ['after an interim 100 only', 'HTTP/1.1 100 Continue\r\n\r\n', /before a complete head/],
    ['mid-body (Content-Length)', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', /mid-body/],
    ['mid-chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', /mid-body/],
    ['mid-chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5', /mid-body/],
    ['before the last chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n', /mid-body/],
    ['mid-trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n', /mid-body/],
  ] as const) {
    it(`throws when it closed ${name}`, () => {
      const { parser, events } = finishAfter(raw);
      expect(() => parser.finish()).toThrow(MalformedResponseError);
      expect(() => parser.finish()).toThrow(message);
      expect(events).not.toContain('end');
    });
  }
});
