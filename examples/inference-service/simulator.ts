// A simulated LLM server: tokenize → queue (a fixed number of batch slots) → prefill → decode,
// with token counts, occasional failures (CUDA out of memory, KV cache exhausted) and
// occasional slow requests (a throttled GPU decodes slower). Each step is a span named after
// it; the whole generation is a GenAI span (`text_completion <model>`) with the OpenTelemetry
// GenAI semantic-convention attributes.
import { SpanKind, SpanStatusCode, trace, context, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';

export interface ModelSpec {
  /** prefill cost per input token, ms */
  prefillMsPerToken: number;
  /** decode cost per output token, ms */
  decodeMsPerToken: number;
  contextWindow: number;
}

export const MODELS: Record<string, ModelSpec> = {
  'llama-3-8b-instruct': { prefillMsPerToken: 0.05, decodeMsPerToken: 1.5, contextWindow: 8192 },
  'mistral-7b-instruct': { prefillMsPerToken: 0.04, decodeMsPerToken: 1.2, contextWindow: 32768 },
  'llama-3-70b-instruct': { prefillMsPerToken: 0.2, decodeMsPerToken: 4, contextWindow: 8192 },
};

export interface CompletionRequest {
  model: string;
  prompt: string;
  max_tokens?: number;
  temperature?: number;
  /** force an outcome (tests and demos): otherwise chosen at random with the configured rates */
  simulate?: 'ok' | 'error' | 'slow';
}

export interface CompletionResult {
  id: string;
  model: string;
  text: string;
  finishReason: 'stop' | 'length';
  inputTokens: number;
  outputTokens: number;
}

export class InferenceError extends Error {
  constructor(message: string, readonly status: number, readonly type: string) {
    super(message);
  }
}

export interface SimulatorOptions {
  /** batch slots: requests beyond them wait in the queue */
  slots: number;
  errorRate: number;
  slowRate: number;
  /** multiplies every simulated duration (0.1: ten times faster) */
  timeScale: number;
  system: string;
  random?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Simulator {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  private seq = 0;
  private readonly random: () => number;

  constructor(
    private readonly tracer: Tracer,
    private readonly logger: Logger,
    readonly opts: SimulatorOptions,
  ) {
    this.random = opts.random ?? Math.random;
  }

  get queueDepth(): number {
    return this.waiting.length;
  }

  private async acquire(): Promise<void> {
    if (this.busy < this.opts.slots) {
      this.busy++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }

  /** Runs one step as a child span of the active one. */
  private async step<T>(name: string, model: string, attrs: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.request.model': model, ...attrs } }, async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    });
  }

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const spec = MODELS[req.model];
    if (!spec) throw new InferenceError(`unknown model "${req.model}"; one of ${Object.keys(MODELS).join(', ')}`, 404, 'model_not_found');
    const maxTokens = Math.max(1, Math.min(req.max_tokens ?? 256, 4096));
    const outcome = req.simulate ?? (this.random() < this.opts.errorRate ? 'error' : this.random() < this.opts.slowRate ? 'slow' : 'ok');
    const id = `cmpl-${process.pid}-${++this.seq}`;
    const ts = this.opts.timeScale;
    const attributes = {
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.system': this.opts.system,
      'gen_ai.provider.name': this.opts.system,
      'gen_ai.request.model': req.model,
      'gen_ai.request.max_tokens': maxTokens,
      'gen_ai.request.temperature': req.temperature ?? 1,
      'gen_ai.response.id': id,
    };
    // GenAI span name: "{gen_ai.operation.name} {gen_ai.request.model}"
    return this.tracer.startActiveSpan(`text_completion ${req.model}`, { kind: SpanKind.INTERNAL, attributes }, async (gen) => {
      try {
        const inputTokens = await this.step('tokenize', req.model, {}, async (span) => {
          const n = Math.max(1, Math.ceil(req.prompt.length / 4) + Math.floor(this.random() * 400));
          await sleep(Math.max(1, n * 0.005 * ts));
          span.setAttribute('inference.tokens', n);
          this.logger.info({ model: req.model, input_tokens: n }, `tokenized ${n} tokens`);
          return n;
        });
        if (inputTokens + maxTokens > spec.contextWindow) throw new InferenceError(`prompt of ${inputTokens} tokens plus max_tokens ${maxTokens} exceeds the context window of ${spec.contextWindow}`, 400, 'context_length_exceeded');
        await this.step('queue', req.model, {}, async (span) => {
          span.setAttribute('inference.queue.depth', this.waiting.length);
          await this.acquire();
        });
        try {
          await this.step('prefill', req.model, { 'inference.tokens': inputTokens }, async () => {
            await sleep(Math.max(1, inputTokens * spec.prefillMsPerToken * ts));
            if (outcome === 'error') {
              this.logger.error({ model: req.model, input_tokens: inputTokens }, 'CUDA out of memory while allocating the KV cache');
              throw new InferenceError('CUDA out of memory while allocating the KV cache', 503, 'cuda_out_of_memory');
            }
          });
          const outputTokens = outcome === 'slow' ? maxTokens : Math.max(1, Math.floor(maxTokens * (0.3 + 0.7 * this.random())));
          await this.step('decode', req.model, { 'inference.tokens': outputTokens }, async (span) => {
            const perToken = spec.decodeMsPerToken * (outcome === 'slow' ? 8 : 1);
            if (outcome === 'slow') {
              span.setAttribute('inference.slow', true);
              this.logger.warn({ model: req.model, kv_cache_usage: 0.97 }, 'kv cache 97% full: decoding slowed down');
            }
            await sleep(Math.max(1, outputTokens * perToken * ts));
          });
          const finishReason: CompletionResult['finishReason'] = outputTokens >= maxTokens ? 'length' : 'stop';
          gen.setAttributes({
            'gen_ai.response.model': req.model,
            'gen_ai.response.finish_reasons': [finishReason],
            'gen_ai.usage.input_tokens': inputTokens,
            'gen_ai.usage.output_tokens': outputTokens,
          });
          this.logger.info({ model: req.model, input_tokens: inputTokens, output_tokens: outputTokens, finish_reason: finishReason }, 'completion finished');
          return { id, model: req.model, text: 'lorem ipsum '.repeat(Math.min(outputTokens, 64)).trim(), finishReason, inputTokens, outputTokens };
        } finally {
          this.release();
        }
      } catch (e) {
        const err = e instanceof InferenceError ? e : new InferenceError((e as Error).message, 500, 'internal');
        gen.setAttribute('error.type', err.type);
        gen.recordException(err);
        gen.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        throw err;
      } finally {
        gen.end();
      }
    });
  }
}

/** The active span (the HTTP server span while a request is handled). */
export function activeSpan(): Span | undefined {
  return trace.getSpan(context.active());
}
