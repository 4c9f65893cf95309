import { InvalidArgumentError, RLMError } from '@rlm/core';
import type { ChatWrapper, Llama, LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp';
import type { LlamaCppGpu } from './llama-cpp-model-settings';
import { SequencePool } from './sequence-pool';

/** A model in memory: its context, its chat template and the pool of sequences calls run on. */
export interface LoadedLlamaModel {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly chatWrapper: ChatWrapper;
  readonly pool: SequencePool<LlamaChat>;
  /** Tokens per sequence: the context window calls get. */
  readonly contextSize: number;
  /** `false` on the CPU, else the GPU backend in use. */
  readonly gpu: string | false;
}

/** How to load. */
export interface LoadLlamaModelOptions {
  readonly path: string;
  readonly gpu: LlamaCppGpu;
  readonly sequences: number;
  readonly contextSize?: number;
  readonly threads?: number;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
const chatWrappers = new Map<string, ChatWrapper>();
const runtimes = new Map<string, Promise<Llama>>();

/** node-llama-cpp, imported on first use so that importing this package loads no native code. */
export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  nodeLlamaCpp ??= import('node-llama-cpp').catch((error: unknown) => {
    nodeLlamaCpp = undefined;
    throw new RLMError({
      name: 'ModelLoadError',
      message:
        `Could not load node-llama-cpp (${error instanceof Error ? error.message : String(error)}). ` +
        'Install it beside @rlm/llama-cpp (npm install node-llama-cpp@3.21.1) and let its install script run.',
      cause: error,
    });
  });
  return nodeLlamaCpp;
}

/** One llama.cpp runtime per GPU choice, shared by every model of the process (it owns the backend). */
async function runtime(gpu: LlamaCppGpu): Promise<Llama> {
  const key = String(gpu);
  let pending = runtimes.get(key);
  if (!pending) {
    pending = importNodeLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ gpu, logLevel: LlamaLogLevel.error }),
    );
    pending.catch(() => runtimes.delete(key));
    runtimes.set(key, pending);
  }
  return pending;
}

/**
 * Loads a GGUF file onto the GPU node-llama-cpp found (or the CPU), with one context of
 * `sequences` sequences sized to the model's trained window (or `contextSize`), lowered to what
 * fits in memory, and the chat template the GGUF carries.
 */
export async function loadLlamaModel(options: LoadLlamaModelOptions): Promise<LoadedLlamaModel> {
  const { LlamaChat, resolveChatWrapper } = await importNodeLlamaCpp();
  const llama = await runtime(options.gpu);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: options.path });
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'modelRef',
      message: `llama.cpp could not load '${options.path}': ${error instanceof Error ? error.message : String(error)}. Is it a GGUF model file of an architecture llama.cpp supports?`,
      cause: error,
    });
  }
  const trained = model.trainContextSize;
  const wanted = Math.min(options.contextSize ?? trained, trained);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: options.sequences,
      // "Up to": node-llama-cpp lowers it until the context fits in the memory it measured.
      contextSize: { max: wanted, min: Math.min(wanted, 512) },
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
  } catch (error) {
    await model.dispose();
    throw new RLMError({
      name: 'ModelLoadError',
      message: `Not enough memory for a context of ${options.sequences} sequence(s) on '${options.path}' (${error instanceof Error ? error.message : String(error)}). Pass a smaller sequences or contextSize.`,
      cause: error,
    });
  }
  const chatWrapper = chatWrapperFor(model, resolveChatWrapper);
  const chats = Array.from(
    { length: options.sequences },
    () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper }),
  );
  return {
    llama,
    model,
    context,
    chatWrapper,
    pool: new SequencePool(chats),
    contextSize: context.contextSize,
    gpu: llama.gpu,
  };
}

/**
 * The chat template stored in the GGUF: node-llama-cpp's native wrapper for a known family, else
 * the Jinja template itself. Resolving compares the template with every known family, which takes
 * a second or more; wrappers hold no model state, so one is kept per distinct template.
 */
function chatWrapperFor(
  model: LlamaModel,
  resolveChatWrapper: NodeLlamaCpp['resolveChatWrapper'],
): ChatWrapper {
  const metadata = model.fileInfo.metadata;
  const key = JSON.stringify([
    metadata.general?.architecture,
    metadata.tokenizer?.chat_template,
    model.tokens.bosString,
    model.tokens.eosString,
  ]);
  let wrapper = chatWrappers.get(key);
  if (!wrapper) {
    wrapper = resolveChatWrapper(model);
    chatWrappers.set(key, wrapper);
  }
  return wrapper;
}
