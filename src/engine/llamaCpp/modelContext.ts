// A loaded model's context: KV memory for the sequences its roles need, and nothing more. A chat
// model gets a pool of chat sequences (one per conversation kept in memory at once), a completion
// model one infill sequence; a model used for both gets both in one context. Each sequence is a
// full context of KV memory (node-llama-cpp's contextSize is per sequence), so a model never gets
// a sequence for a role it does not have. When a model takes on a new role, its context is made
// again with the union of both shapes (the weights stay loaded).
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { prioritizeBatch } from "./priorityBatching";
import { SequencePool } from "./sequencePool";
import type { LlamaRunSettings, SequenceNeeds } from "./workerProtocol";

export class ModelContext {
  readonly chatPool: SequencePool<NodeLlamaCpp.LlamaContextSequence>;
  readonly infillSequence: NodeLlamaCpp.LlamaContextSequence | undefined;
  /** Infill requests run one after another on the infill sequence (the newest cancels the rest). */
  infillQueue: Promise<unknown> = Promise.resolve();
  private users = 0;
  private drained: (() => void) | undefined;
  retired = false;

  private constructor(
    readonly context: NodeLlamaCpp.LlamaContext,
    readonly shape: SequenceNeeds,
  ) {
    const chat = Array.from({ length: shape.chat }, () => context.getSequence());
    this.chatPool = new SequencePool(chat, (sequence) => sequence.contextTokens);
    this.infillSequence = shape.infill ? context.getSequence() : undefined;
  }

  static async create(model: NodeLlamaCpp.LlamaModel, shape: SequenceNeeds, settings: LlamaRunSettings): Promise<ModelContext> {
    const context = await model.createContext({
      contextSize: settings.contextSize > 0 ? settings.contextSize : "auto",
      sequences: shape.chat + (shape.infill ? 1 : 0),
      threads: settings.threads,
      ...(settings.batchSize > 0 ? { batchSize: settings.batchSize } : {}),
      flashAttention: settings.flashAttention,
      batching: { itemPrioritizationStrategy: prioritizeBatch },
    });
    return new ModelContext(context, shape);
  }

  /** Whether this context has every sequence `needs` asks for. */
  covers(needs: SequenceNeeds): boolean {
    return this.shape.chat >= needs.chat && (this.shape.infill || !needs.infill);
  }

  /** Runs `work` on this context; it is not freed while work runs. */
  async use<T>(work: (context: ModelContext) => Promise<T>): Promise<T> {
    this.users++;
    try {
      return await work(this);
    } finally {
      this.users--;
      if (this.users === 0) this.drained?.();
    }
  }

  /** Frees the context once the requests using it (and those waiting for its sequences) finish. */
  async retire(): Promise<void> {
    if (this.retired) return;
    this.retired = true;
    if (this.users > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.context.dispose();
  }
}

/** Enough sequences for both: the chat pool of the larger, infill if either has it. */
export function unionShape(a: SequenceNeeds | undefined, b: SequenceNeeds): SequenceNeeds {
  return { chat: Math.max(a?.chat ?? 0, b.chat), infill: (a?.infill ?? false) || b.infill };
}
