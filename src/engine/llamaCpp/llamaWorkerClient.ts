// The extension host's side of the llama.cpp worker: starts the worker process when a request
// needs it, sends typed requests and streams their chunks back, cancels, stops the worker after
// keepAlive of idleness (freeing the model's memory), and when the worker dies mid-request
// rejects what was pending with a clear error that keeps the partial text.
import { fork, type ChildProcess } from "node:child_process";
import { BackendError } from "../backendError";
import { Emitter } from "../event";
import type { Generation, LoadedModel } from "../backend";
import type { ResultByType, WorkerRequest, WorkerToHost } from "./workerProtocol";

export interface WorkerClientOptions {
  /** The worker's script (dist/llamaWorker.js in the extension). */
  readonly workerScript: string;
  /** Idle time after which the worker is stopped and its models freed. */
  readonly keepAliveMs: () => number;
  readonly log: (level: "info" | "warn" | "error", message: string) => void;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onChunk?: (text: string) => void;
  readonly signal?: AbortSignal;
  /** The text of the chunks handed to the caller. */
  partialText: string;
}

type RequestBody<T extends WorkerRequest["type"]> = Omit<Extract<WorkerRequest, { type: T }>, "id">;

export class LlamaWorkerClient {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly noticeEmitter = new Emitter<string>();
  private readonly loadingEmitter = new Emitter<{ modelPath: string; progress: number }>();
  private readonly exitEmitter = new Emitter<{ expected: boolean }>();
  private readonly loadedEmitter = new Emitter<LoadedModel>();
  private readonly unloadedEmitter = new Emitter<string>();
  /** Notices already given: each is said once per session, not once per worker. */
  private readonly noticesGiven = new Set<string>();
  readonly onNotice = this.noticeEmitter.event;
  readonly onLoading = this.loadingEmitter.event;
  readonly onExit = this.exitEmitter.event;
  readonly onLoaded = this.loadedEmitter.event;
  readonly onUnloaded = this.unloadedEmitter.event;

  constructor(private readonly options: WorkerClientOptions) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The worker's process id, while it runs (tests use it to kill the worker). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  request<T extends WorkerRequest["type"]>(
    body: RequestBody<T> & { readonly type: T },
    { onChunk, signal }: { onChunk?: (text: string) => void; signal?: AbortSignal } = {},
  ): Promise<ResultByType[T]> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    clearTimeout(this.idleTimer);
    return new Promise<ResultByType[T]>((resolve, reject) => {
      const onAbort = () => worker.connected && worker.send({ type: "cancel", id });
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
        this.scheduleIdleStop();
      };
      const pending: Pending = {
        resolve: (value) => (settle(), resolve((signal?.aborted ? cancelledAsSeen(value, pending.partialText) : value) as ResultByType[T])),
        reject: (error) => (settle(), reject(error)),
        onChunk,
        signal,
        partialText: "",
      };
      this.pending.set(id, pending);
      worker.send({ ...body, id });
      // Already cancelled: the worker answers at once (a generation as "cancelled").
      if (signal?.aborted) onAbort();
    });
  }

  /** Stops the worker now (settings changed, idle, or shutting down); pending requests fail. */
  stop(): void {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.failPending(new BackendError("cancelled", "The llama.cpp worker was stopped before it answered."));
    worker.removeAllListeners("exit");
    worker.kill();
    this.exitEmitter.fire({ expected: true });
  }

  dispose(): void {
    this.stop();
    this.noticeEmitter.dispose();
    this.loadingEmitter.dispose();
    this.exitEmitter.dispose();
    this.loadedEmitter.dispose();
    this.unloadedEmitter.dispose();
  }

  private ensureWorker(): ChildProcess {
    if (this.worker) return this.worker;
    // The extension host's own runtime runs the worker (under Electron, fork sets it to run as Node).
    const worker = fork(this.options.workerScript, [], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
      execArgv: [],
    });
    this.worker = worker;
    this.options.log("info", `Started the llama.cpp worker (pid ${worker.pid}).`);
    worker.stderr?.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n")) if (line.trim()) this.options.log("warn", `[llama.cpp] ${line.trim()}`);
    });
    worker.on("message", (message: WorkerToHost) => this.receive(message));
    const ended = (how: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.options.log("error", `The llama.cpp worker stopped unexpectedly (${how}).`);
      this.failPending(
        new BackendError(
          "workerCrashed",
          `The llama.cpp worker stopped unexpectedly (${how}) — possibly out of memory, or a crash in llama.cpp. What it had written so far is kept; the next request starts a new worker.`,
        ),
      );
      this.exitEmitter.fire({ expected: false });
    };
    worker.once("exit", (code, signal) => ended(signal ? `killed by ${signal}` : `exit code ${code}`));
    worker.on("error", (error) => {
      this.options.log("error", `llama.cpp worker: ${error.message}`);
      // A worker that could not start at all sends no "exit".
      if (worker.pid === undefined) ended(`could not start: ${error.message}`);
    });
    return worker;
  }

  private receive(message: WorkerToHost): void {
    switch (message.type) {
      case "chunk": {
        const pending = this.pending.get(message.id);
        // Once the caller cancelled, nothing more reaches it (the worker may still be sending what it had).
        if (!pending || pending.signal?.aborted) return;
        pending.partialText += message.text;
        pending.onChunk?.(message.text);
        return;
      }
      case "loading":
        this.loadingEmitter.fire({ modelPath: message.modelPath, progress: message.progress });
        return;
      case "result":
        this.pending.get(message.id)?.resolve(message.result);
        return;
      case "error":
        this.pending.get(message.id)?.reject(new BackendError(message.code, message.message, message.partialText, message.setting));
        return;
      case "notice":
        if (this.noticesGiven.has(message.message)) return;
        this.noticesGiven.add(message.message);
        this.noticeEmitter.fire(message.message);
        return;
      case "loaded":
        this.loadedEmitter.fire(message.model);
        return;
      case "unloaded":
        this.unloadedEmitter.fire(message.modelPath);
        return;
    }
  }

  private failPending(error: BackendError): void {
    for (const pending of [...this.pending.values()]) {
      pending.reject(new BackendError(error.code, error.message, pending.partialText));
    }
  }

  private scheduleIdleStop(): void {
    if (this.pending.size > 0 || !this.worker) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0) return;
      this.options.log("info", "Stopping the llama.cpp worker after keepAlive of idleness; its models are freed.");
      this.stop();
    }, this.options.keepAliveMs());
    this.idleTimer.unref();
  }
}

/**
 * A generation the caller cancelled ends as the caller saw it: with the text of the chunks it
 * was handed, whatever the worker wrote after the cancel reached it.
 */
function cancelledAsSeen(value: unknown, seen: string): unknown {
  const generation = value as Partial<Generation> | null;
  if (!generation || typeof generation.text !== "string" || generation.stopReason === undefined) return value;
  return { ...generation, text: seen, stopReason: "cancelled" } satisfies Partial<Generation>;
}
