// Paths to the tiny test models in test/fixtures, from compiled code in out/test/… or from source.
import * as path from "node:path";

// Compiled into out/ (or out-NAME/ for a side build): three levels up; from source: two.
export const repositoryRoot = path.resolve(__dirname, /[\\/]out(-[\w-]+)?[\\/]test[\\/]/.test(__dirname) ? "../../.." : "../..");
export const fixturesDirectory = path.join(repositoryRoot, "test", "fixtures");

/** llama-2 architecture, random weights, real llama tokenizer; no chat template, no FIM tokens. */
export const tinyModel = path.join(fixturesDirectory, "llama-2-tiny-random.gguf");
/** The same weights with fill-in-the-middle tokens and a ChatML chat template (see buildFimModel.ts). */
export const tinyFimModel = path.join(fixturesDirectory, "llama-2-tiny-random-fim.gguf");
