// The tiny model loaded with node-llama-cpp in the test's own process (not through Hearth's
// worker), for tests that compare Hearth's figures with the library's. Registers mocha hooks.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };

export interface ModelInProcess {
  readonly library: typeof NodeLlamaCpp;
  readonly model: NodeLlamaCpp.LlamaModel;
}

/** Loads `modelPath` before the suite's tests (CPU, 1 thread) and frees it after them. */
export function useModelInProcess(modelPath: string): ModelInProcess {
  let library: typeof NodeLlamaCpp | undefined;
  let llama: NodeLlamaCpp.Llama | undefined;
  let model: NodeLlamaCpp.LlamaModel | undefined;
  before(async () => {
    library = await import("node-llama-cpp");
    llama = await library.getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: library.LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  });
  after(async () => {
    await model?.dispose();
    await llama?.dispose();
  });
  const loaded = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("The model is loaded in the suite's before() hook.");
    return value;
  };
  return {
    get library() {
      return loaded(library);
    },
    get model() {
      return loaded(model);
    },
  };
}
