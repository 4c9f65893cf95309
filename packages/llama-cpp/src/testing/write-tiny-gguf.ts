import { writeFile } from 'node:fs/promises';

/**
 * A tiny GGUF model for tests: the llama architecture with random weights, two layers of 64
 * dimensions and a vocabulary of about 9,000 tokens (control tokens, the 256 byte tokens so any
 * text tokenizes, printable ASCII and its pairs), a ChatML chat template in its metadata. It loads and runs in
 * llama.cpp like a real model, in milliseconds and a few MB, so it checks the plumbing (loading,
 * chat template, sequences, abort, usage) — its answers are noise, not quality.
 */
export interface TinyGgufOptions {
  /** The context length written into the model's metadata. Default 4096. */
  readonly contextLength?: number;
  /** The seed of the random weights. Default 1. */
  readonly seed?: number;
  /** The Jinja chat template written as `tokenizer.chat_template`. Default: ChatML. */
  readonly chatTemplate?: string;
  /**
   * Weights that end every turn at once (empty answers, whatever the prompt): one residual
   * dimension is held at a constant the end-of-turn token alone reads. For runs that must end fast
   * and the same way every time. Default false (random noise until a limit).
   */
  readonly alwaysEndTurn?: boolean;
}

/** The ChatML template, as Qwen and many small models ship it. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const EMBEDDING = 64;
const HEADS = 4;
const LAYERS = 2;
const FEED_FORWARD = 128;

/** GGUF metadata value types. */
enum ValueType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}

/** llama.cpp's token types. */
enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Byte = 6,
}

type MetadataValue =
  | { readonly type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32; readonly value: number }
  | { readonly type: ValueType.Bool; readonly value: boolean }
  | { readonly type: ValueType.String; readonly value: string }
  | {
      readonly type: ValueType.Array;
      readonly itemType: ValueType.String | ValueType.Float32 | ValueType.Int32;
      readonly value: readonly (string | number)[];
    };

interface Vocabulary {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: number[];
}

/** The token ids tests may rely on. */
export const TINY_GGUF_TOKENS = { unknown: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4 } as const;

function tinyVocabulary(): Vocabulary {
  const tokens: string[] = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types: number[] = [
    TokenType.Unknown,
    TokenType.Control,
    TokenType.Control,
    TokenType.Control,
    TokenType.Control,
  ];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TokenType.Byte);
  }
  // SentencePiece writes a space as ▁. Printable ASCII and every pair of it are tokens, so an
  // English prompt (the loop's system prompt) takes about one token per two characters.
  const symbols = ['\u2581'];
  for (let code = 33; code < 127; code++) symbols.push(String.fromCharCode(code));
  const scores = tokens.map(() => 0);
  for (const symbol of symbols) {
    tokens.push(symbol);
    types.push(TokenType.Normal);
    scores.push(-1);
  }
  for (const first of symbols) {
    for (const second of symbols) {
      tokens.push(first + second);
      types.push(TokenType.Normal);
      scores.push(-2);
    }
  }
  return { tokens, scores, types };
}

/** A deterministic generator (mulberry32), so a seed always writes the same file. */
function randomNumbers(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tensor {
  readonly name: string;
  /** GGUF order: the fastest-moving dimension first. */
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

function tensors(vocabularySize: number, seed: number, alwaysEndTurn: boolean): Tensor[] {
  const random = randomNumbers(seed);
  const weights = (dims: number[], scale = 0.2): Tensor['data'] => {
    const data = new Float32Array(dims.reduce((product, dim) => product * dim, 1));
    for (let index = 0; index < data.length; index++) data[index] = (random() * 2 - 1) * scale;
    return data;
  };
  const ones = (size: number): Float32Array => new Float32Array(size).fill(1);
  const list: Tensor[] = [
    {
      name: 'token_embd.weight',
      dims: [EMBEDDING, vocabularySize],
      data: weights([EMBEDDING, vocabularySize]),
    },
    { name: 'output_norm.weight', dims: [EMBEDDING], data: ones(EMBEDDING) },
    { name: 'output.weight', dims: [EMBEDDING, vocabularySize], data: weights([EMBEDDING, vocabularySize]) },
  ];
  for (let layer = 0; layer < LAYERS; layer++) {
    const prefix = `blk.${layer}`;
    list.push(
      { name: `${prefix}.attn_norm.weight`, dims: [EMBEDDING], data: ones(EMBEDDING) },
      {
        name: `${prefix}.attn_q.weight`,
        dims: [EMBEDDING, EMBEDDING],
        data: weights([EMBEDDING, EMBEDDING]),
      },
      {
        name: `${prefix}.attn_k.weight`,
        dims: [EMBEDDING, EMBEDDING],
        data: weights([EMBEDDING, EMBEDDING]),
      },
      {
        name: `${prefix}.attn_v.weight`,
        dims: [EMBEDDING, EMBEDDING],
        data: weights([EMBEDDING, EMBEDDING]),
      },
      {
        name: `${prefix}.attn_output.weight`,
        dims: [EMBEDDING, EMBEDDING],
        data: weights([EMBEDDING, EMBEDDING]),
      },
      { name: `${prefix}.ffn_norm.weight`, dims: [EMBEDDING], data: ones(EMBEDDING) },
      {
        name: `${prefix}.ffn_gate.weight`,
        dims: [EMBEDDING, FEED_FORWARD],
        data: weights([EMBEDDING, FEED_FORWARD]),
      },
      {
        name: `${prefix}.ffn_up.weight`,
        dims: [EMBEDDING, FEED_FORWARD],
        data: weights([EMBEDDING, FEED_FORWARD]),
      },
      {
        name: `${prefix}.ffn_down.weight`,
        dims: [FEED_FORWARD, EMBEDDING],
        data: weights([FEED_FORWARD, EMBEDDING]),
      },
    );
  }
  if (alwaysEndTurn) endEveryTurn(list, vocabularySize);
  return list;
}

/**
 * Dimension 0 of every token's embedding is 1 and no layer writes to it, so after the final norm
 * (which keeps only that dimension) the hidden state is a positive constant; the output row of the
 * end-of-turn token alone reads it. Rows are contiguous in GGUF order (`dims[0]` moves fastest).
 */
function endEveryTurn(list: Tensor[], vocabularySize: number): void {
  const byName = (name: string) => list.find((tensor) => tensor.name === name)!.data;
  const embedding = byName('token_embd.weight');
  const output = byName('output.weight');
  for (let token = 0; token < vocabularySize; token++) {
    embedding[token * EMBEDDING] = 1;
    output.fill(0, token * EMBEDDING, (token + 1) * EMBEDDING);
  }
  output[TINY_GGUF_TOKENS.imEnd * EMBEDDING] = 50;
  const norm = byName('output_norm.weight');
  norm.fill(0);
  norm[0] = 1;
  for (let layer = 0; layer < LAYERS; layer++) {
    byName(`blk.${layer}.attn_output.weight`).fill(0, 0, EMBEDDING);
    byName(`blk.${layer}.ffn_down.weight`).fill(0, 0, FEED_FORWARD);
  }
}

/** Little-endian bytes, appended as GGUF lays them out. */
class ByteWriter {
  private readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  uint32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, value, true);
    this.push(new Uint8Array(view.buffer));
  }

  int32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setInt32(0, value, true);
    this.push(new Uint8Array(view.buffer));
  }

  uint64(value: number): void {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(value), true);
    this.push(new Uint8Array(view.buffer));
  }

  float32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.push(new Uint8Array(view.buffer));
  }

  string(value: string): void {
    const bytes = new TextEncoder().encode(value);
    this.uint64(bytes.length);
    this.push(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.push(bytes);
  }

  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    if (padding > 0) this.push(new Uint8Array(padding));
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(writer: ByteWriter, value: MetadataValue): void {
  writer.uint32(value.type);
  switch (value.type) {
    case ValueType.Uint32:
      writer.uint32(value.value);
      return;
    case ValueType.Int32:
      writer.int32(value.value);
      return;
    case ValueType.Float32:
      writer.float32(value.value);
      return;
    case ValueType.Bool:
      writer.raw(new Uint8Array([value.value ? 1 : 0]));
      return;
    case ValueType.String:
      writer.string(value.value);
      return;
    case ValueType.Array:
      writer.uint32(value.itemType);
      writer.uint64(value.value.length);
      for (const item of value.value) {
        if (value.itemType === ValueType.String) writer.string(String(item));
        else if (value.itemType === ValueType.Float32) writer.float32(Number(item));
        else writer.int32(Number(item));
      }
      return;
  }
}

const ALIGNMENT = 32;

/** The bytes of a tiny GGUF model (see {@link TinyGgufOptions}). */
export function tinyGgufBytes(options: TinyGgufOptions = {}): Uint8Array {
  const vocabulary = tinyVocabulary();
  const uint32 = (value: number): MetadataValue => ({ type: ValueType.Uint32, value });
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: ValueType.String, value: 'llama' }],
    ['general.name', { type: ValueType.String, value: 'rlm-tiny-test' }],
    ['general.file_type', uint32(0)],
    ['general.alignment', uint32(ALIGNMENT)],
    ['llama.context_length', uint32(options.contextLength ?? 4096)],
    ['llama.embedding_length', uint32(EMBEDDING)],
    ['llama.block_count', uint32(LAYERS)],
    ['llama.feed_forward_length', uint32(FEED_FORWARD)],
    ['llama.attention.head_count', uint32(HEADS)],
    ['llama.attention.head_count_kv', uint32(HEADS)],
    ['llama.rope.dimension_count', uint32(EMBEDDING / HEADS)],
    ['llama.attention.layer_norm_rms_epsilon', { type: ValueType.Float32, value: 1e-5 }],
    ['tokenizer.ggml.model', { type: ValueType.String, value: 'llama' }],
    [
      'tokenizer.ggml.tokens',
      { type: ValueType.Array, itemType: ValueType.String, value: vocabulary.tokens },
    ],
    [
      'tokenizer.ggml.scores',
      { type: ValueType.Array, itemType: ValueType.Float32, value: vocabulary.scores },
    ],
    [
      'tokenizer.ggml.token_type',
      { type: ValueType.Array, itemType: ValueType.Int32, value: vocabulary.types },
    ],
    ['tokenizer.ggml.bos_token_id', uint32(TINY_GGUF_TOKENS.bos)],
    ['tokenizer.ggml.eos_token_id', uint32(TINY_GGUF_TOKENS.imEnd)],
    ['tokenizer.ggml.unknown_token_id', uint32(TINY_GGUF_TOKENS.unknown)],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.Bool, value: false }],
    // Otherwise SentencePiece puts a space before the text after each special token ("<|im_start|> user").
    ['tokenizer.ggml.add_space_prefix', { type: ValueType.Bool, value: false }],
    ['tokenizer.chat_template', { type: ValueType.String, value: options.chatTemplate ?? CHATML_TEMPLATE }],
  ];
  const list = tensors(vocabulary.tokens.length, options.seed ?? 1, options.alwaysEndTurn ?? false);

  const writer = new ByteWriter();
  writer.raw(new TextEncoder().encode('GGUF'));
  writer.uint32(3);
  writer.uint64(list.length);
  writer.uint64(metadata.length);
  for (const [key, value] of metadata) {
    writer.string(key);
    writeValue(writer, value);
  }
  let offset = 0;
  for (const tensor of list) {
    writer.string(tensor.name);
    writer.uint32(tensor.dims.length);
    for (const dim of tensor.dims) writer.uint64(dim);
    writer.uint32(0); // F32
    writer.uint64(offset);
    offset += tensor.data.byteLength;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  writer.padTo(ALIGNMENT);
  for (const tensor of list) {
    writer.raw(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    writer.padTo(ALIGNMENT);
  }
  return writer.bytes();
}

/** Writes a tiny GGUF model to `path` (see {@link TinyGgufOptions}); returns the path. */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<string> {
  await writeFile(path, tinyGgufBytes(options));
  return path;
}
