// The extension host's side of the llama.cpp worker: starts the worker process when a request
// needs it, sends typed requests and streams their chunks back, cancels, stops the worker after
// keepAlive of idleness (freeing the model's memory), and when the worker dies mid-request
// rejects what was pending with a clear error that keeps the partial text. A new worker starts
// only once the old one has exited (its memory, GPU memory too, is free again), never after
// dispose, and never for a load that crashed the worker twice in a row (crashLoopGuard.ts).
import { fork, type ChildProcess } from "node:child_process";
import { BackendError } from "../backendError";
import { Emitter } from "../event";
import type { Generation, LoadedModel } from "../backend";
import { CrashLoopGuard, loadKey } from "./crashLoopGuard";
import type { GpuMemoryReport, ResultByType, WorkerRequest, WorkerToHost } from "./workerProtocol";

export interface WorkerClientOptions {
  /** The worker's script (dist/llamaWorker.js in the extension). */
  readonly workerScript: string;
  /** Idle time after which the worker is stopped and its models freed. */
  readonly keepAliveMs: () => number;
  readonly log: (level: "info" | "warn" | "error", message: string) => void;
}

interface Pending {
  /** The load this request causes, once the worker says it is loading a model for it. */
  load?: string;
  readonly body: { readonly modelPath?: string; readonly settings?: object };
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onChunk?: (text: string) => void;
  readonly signal?: AbortSignal;
  /** The text of the chunks handed to the caller. */
  partialText: string;
}

/** How long a worker holding no model stays up after its last request. */
const EMPTY_WORKER_IDLE_MS = 10_000;

type RequestBody<T extends WorkerRequest["type"]> = Omit<Extract<WorkerRequest, { type: T }>, "id">;

export class LlamaWorkerClient {
  private worker: ChildProcess | undefined;
  /** The stopped worker's exit: the next one starts after it. */
  private stopping: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly crashes = new CrashLoopGuard();
  private readonly pending = new Map<number, Pending>();
  /** Models the running worker holds: with none (it only read headers), it stops soon. */
  private readonly inMemory = new Set<string>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly noticeEmitter = new Emitter<string>();
  private readonly loadingEmitter = new Emitter<{ modelPath: string; progress: number }>();
  private readonly exitEmitter = new Emitter<{ expected: boolean }>();
  private readonly loadedEmitter = new Emitter<LoadedModel>();
  private readonly unloadedEmitter = new Emitter<string>();
  private readonly gpuEmitter = new Emitter<GpuMemoryReport>();
  /** Notices already given: each is said once per session, not once per worker. */
  private readonly noticesGiven = new Set<string>();
  readonly onNotice = this.noticeEmitter.event;
  readonly onLoading = this.loadingEmitter.event;
  readonly onExit = this.exitEmitter.event;
  readonly onLoaded = this.loadedEmitter.event;
  readonly onUnloaded = this.unloadedEmitter.event;
  /** The GPU's memory as llama.cpp saw it after a load (never fired without a GPU). */
  readonly onGpu = this.gpuEmitter.event;

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
    if (this.disposed) return Promise.reject(new BackendError("cancelled", "The llama.cpp engine was shut down."));
    const model = body as { modelPath?: string; settings?: object; setting?: string };
    if (model.modelPath && model.settings && body.type !== "facts") {
      const blocked = this.crashes.check(loadKey(model.modelPath, model.settings), model.modelPath, model.setting);
      if (blocked) return Promise.reject(blocked);
    }
    const id = this.nextId++;
    clearTimeout(this.idleTimer);
    return new Promise<ResultByType[T]>((resolve, reject) => {
      let sentTo: ChildProcess | undefined;
      const onAbort = () => sentTo?.connected && sentTo.send({ type: "cancel", id });
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
        this.scheduleIdleStop();
      };
      const pending: Pending = {
        body: body as Pending["body"],
        resolve: (value) => (settle(), resolve((signal?.aborted ? cancelledAsSeen(value, pending.partialText) : value) as ResultByType[T])),
        reject: (error) => (settle(), reject(error)),
        onChunk,
        signal,
        partialText: "",
      };
      this.pending.set(id, pending);
      this.ready().then(
        (worker) => {
          if (!this.pending.has(id)) return; // failed while the worker started
          sentTo = worker;
          worker.send({ ...body, id });
          // Already cancelled: the worker answers at once (a generation as "cancelled").
          if (signal?.aborted) onAbort();
        },
        (error: Error) => pending.reject(error),
      );
    });
  }

  /** Stops the worker now (settings changed, idle, or shutting down); pending requests fail. Resolves once it has exited. */
  stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) return this.stopping;
    this.worker = undefined;
    this.inMemory.clear();
    this.failPending(new BackendError("cancelled", "The llama.cpp worker was stopped before it answered."));
    const exited = new Promise<void>((resolve) => {
      if (worker.exitCode !== null || worker.signalCode !== null) resolve();
      else worker.once("exit", () => resolve());
    });
    worker.kill();
    // A worker stuck in native code may ignore SIGTERM; its memory must come back all the same.
    const force = setTimeout(() => worker.kill("SIGKILL"), 5000);
    this.stopping = exited.finally(() => clearTimeout(force));
    this.exitEmitter.fire({ expected: true });
    return this.stopping;
  }

  /** Forgets the loads that crashed the worker: something that may fix them changed. */
  retryCrashedLoads(): void {
    this.crashes.reset();
  }

  dispose(): void {
    this.disposed = true;
    void this.stop();
    this.noticeEmitter.dispose();
    this.loadingEmitter.dispose();
    this.exitEmitter.dispose();
    this.loadedEmitter.dispose();
    this.unloadedEmitter.dispose();
    this.gpuEmitter.dispose();
  }

  /** The running worker, or a new one once the previous one has exited. */
  private async ready(): Promise<ChildProcess> {
    if (this.worker) return this.worker;
    await this.stopping;
    if (this.disposed) throw new BackendError("cancelled", "The llama.cpp engine was shut down.");
    return this.worker ?? this.start();
  }

  private start(): ChildProcess {
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
    // A worker already replaced may still have messages on the way: they are about nothing pending now.
    worker.on("message", (message: WorkerToHost) => this.worker === worker && this.receive(message));
    const ended = (how: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.inMemory.clear();
      this.options.log("error", `The llama.cpp worker stopped unexpectedly (${how}).`);
      // Only a crash with one load under way says which load caused it.
      const loads = new Set([...this.pending.values()].flatMap((pending) => (pending.load ? [pending.load] : [])));
      if (loads.size === 1) this.crashes.crashedWhileLoading([...loads][0]);
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
      case "loading": {
        const pending = this.pending.get(message.id);
        if (pending?.body.settings) pending.load = loadKey(message.modelPath, pending.body.settings);
        this.loadingEmitter.fire({ modelPath: message.modelPath, progress: message.progress });
        return;
      }
      case "result": {
        const pending = this.pending.get(message.id);
        if (pending?.load) this.crashes.loaded(pending.load);
        pending?.resolve(message.result);
        return;
      }
      case "error":
        this.pending.get(message.id)?.reject(new BackendError(message.code, message.message, message.partialText, message.setting));
        return;
      case "notice":
        if (this.noticesGiven.has(message.message)) return;
        this.noticesGiven.add(message.message);
        this.noticeEmitter.fire(message.message);
        return;
      case "loaded":
        this.inMemory.add(message.model.name);
        // Loaded means with its context too: making the context (KV memory) is where memory runs out.
        for (const pending of this.pending.values()) {
          if (pending.body.modelPath !== message.model.name || !pending.load || message.model.contextSize === undefined) continue;
          this.crashes.loaded(pending.load);
          pending.load = undefined;
        }
        this.loadedEmitter.fire(message.model);
        return;
      case "unloaded":
        this.inMemory.delete(message.modelPath);
        this.unloadedEmitter.fire(message.modelPath);
        return;
      case "gpu":
        if (message.gpu !== false) this.gpuEmitter.fire({ gpu: message.gpu, totalBytes: message.totalBytes, freeBytes: message.freeBytes });
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
    // A worker that only read GGUF headers (VS Code listing models) holds no model: it need not wait out keepAlive.
    const idleMs = this.inMemory.size === 0 ? Math.min(this.options.keepAliveMs(), EMPTY_WORKER_IDLE_MS) : this.options.keepAliveMs();
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0) return;
      this.options.log("info", "Stopping the llama.cpp worker after keepAlive of idleness; its models are freed.");
      void this.stop();
    }, idleMs);
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
