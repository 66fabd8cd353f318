// Choosing a model's fill-in-the-middle format, and each family's prompt layout as text.
import * as assert from "node:assert/strict";
import { BackendError } from "../../src/engine/backendError";
import { chooseFimFormat, type FimModel } from "../../src/engine/fim/chooseFimFormat";
import { commentHeader } from "../../src/engine/fim/commentHeader";
import { familyTextFormat } from "../../src/engine/fim/fimFormat";
import { layoutFimPrompt, renderFimText, type FimParts } from "../../src/engine/fim/fimLayout";
import { fakeVocabulary, QWEN_INFILL, QWEN_SPECIALS } from "./fimTestVocabulary";

const model = (names: string[], vocabulary: FimModel["vocabulary"]): FimModel => ({ name: names[0], names, vocabulary });

function failure(run: () => unknown): BackendError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof BackendError);
    return error;
  }
  return assert.fail("expected a BackendError");
}

describe("FIM format choice", () => {
  it("takes the family from the GGUF's own FIM prefix token, with repository-level tokens when the vocabulary has them", () => {
    const vocabulary = fakeVocabulary(QWEN_SPECIALS, QWEN_INFILL);
    const format = chooseFimFormat(model(["some-finetune.Q4_K_M.gguf"], vocabulary));
    assert.equal(format.family, "qwen2.5-coder");
    assert.equal(format.context, "qwenRepo");
    assert.equal(format.specials.fileSeparator?.id, vocabulary.idOf("<|file_sep|>"));
    assert.deepEqual(
      format.stops.map((token) => token.text).sort(),
      ["<|endoftext|>", "<|file_sep|>", "<|fim_middle|>", "<|fim_pad|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|repo_name|>"],
    );
  });

  it("tells CodeGemma from Qwen2.5-Coder, which share <|fim_prefix|>, by the file separator", () => {
    const vocabulary = fakeVocabulary(["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"], QWEN_INFILL);
    const format = chooseFimFormat(model(["model.gguf"], vocabulary));
    assert.equal(format.family, "codegemma");
    assert.equal(format.context, "separatorAfter");
  });

  it("falls back to the model's name when the GGUF names no FIM tokens, and uses comments without repository tokens", () => {
    const starCoder = chooseFimFormat(model(["starcoder2-3b-Q4_K_M.gguf"], fakeVocabulary(["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>", "<repo_name>"])));
    assert.equal(starCoder.family, "starcoder2");
    assert.equal(starCoder.context, "starCoderRepo");
    const codestral = chooseFimFormat(model(["x.gguf", "Codestral-22B-v0.1"], fakeVocabulary(["[PREFIX]", "[SUFFIX]", "[MIDDLE]"])));
    assert.equal(codestral.family, "codestral");
    assert.equal(codestral.order, "spm");
    assert.equal(codestral.specials.middle, undefined, "mistral-common's encode_fim has no [MIDDLE]");
    assert.equal(codestral.context, "comments");
  });

  it("finds CodeLlama's tokens as GGUF vocabularies spell them (▁<PRE>)", () => {
    const vocabulary = fakeVocabulary(["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"], { prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>" });
    const format = chooseFimFormat(model(["codellama-7b.Q4_0.gguf"], vocabulary));
    assert.equal(format.family, "codellama");
    assert.equal(format.prefixLeadingSpace, true);
    assert.ok(format.stops.some((token) => token.text === "▁<EOT>"));
  });

  it("uses FIM token ids of no known family as they are, prefix-suffix-middle, other files as comments", () => {
    const vocabulary = fakeVocabulary(["\u0001", "\u0002", "\u0003"], { prefix: "\u0001", suffix: "\u0002", middle: "\u0003" });
    const format = chooseFimFormat(model(["llama-2-tiny-random-fim.gguf"], vocabulary));
    assert.equal(format.family, undefined);
    assert.equal(format.order, "psm");
    assert.equal(format.context, "comments");
    const withRepository = chooseFimFormat(model(["m.gguf"], fakeVocabulary(["\u0001", "\u0002", "<|file_sep|>"], { prefix: "\u0001", suffix: "\u0002" })));
    assert.equal(withRepository.order, "spm", "no middle token: suffix first, as node-llama-cpp does");
    assert.equal(withRepository.context, "qwenRepo", "a <|file_sep|> special token carries other files");
  });

  it("says a chat model cannot complete code, which models can, and which setting to change", () => {
    const error = failure(() => chooseFimFormat(model(["Llama-3.2-1B-Instruct-Q4_K_M.gguf"], fakeVocabulary(["<|eot_id|>"]))));
    assert.equal(error.code, "infillUnsupported");
    assert.equal(error.setting, "hearth.models.completion");
    assert.match(error.message, /^Llama-3\.2-1B-Instruct-Q4_K_M\.gguf cannot complete code .*choose a code model that can for hearth\.models\.completion, such as a Qwen2\.5-Coder, StarCoder2 or DeepSeek-Coder base model\.$/);
    const nameOnly = failure(() => chooseFimFormat(model(["qwen2.5-coder-7b-instruct-broken.gguf"], fakeVocabulary([]))));
    assert.equal(nameOnly.code, "infillUnsupported", "a family's name without its tokens is not enough");
  });

  it("uses the template named in settings, and says when it does not fit the model", () => {
    const vocabulary = fakeVocabulary([...QWEN_SPECIALS, "<fim_prefix>", "<fim_suffix>", "<fim_middle>"], QWEN_INFILL);
    assert.equal(chooseFimFormat(model(["m.gguf"], vocabulary), "starcoder2").family, "starcoder2");
    const error = failure(() => chooseFimFormat(model(["m.gguf"], vocabulary), "deepseek-coder"));
    assert.equal(error.setting, "hearth.completion.fimTemplate");
    assert.match(error.message, /has no DeepSeek-Coder fill-in-the-middle tokens .*"deepseek-coder" does not fit it/);
  });
});

describe("FIM layouts per family", () => {
  const parts: FimParts = {
    files: [{ path: "lib/util.py", text: "def helper():\n    pass" }],
    path: "app/main.py",
    prefix: "def add(a, b):\n    return ",
    suffix: "\n\nprint(add(1, 2))\n",
  };
  const text = (family: Parameters<typeof familyTextFormat>[0], input: FimParts = parts) => renderFimText(layoutFimPrompt(familyTextFormat(family), input));

  it("Qwen2.5-Coder: repository name, files after <|file_sep|>, the current file's name, then the FIM tokens", () => {
    assert.equal(
      text("qwen2.5-coder"),
      "<|repo_name|>workspace\n<|file_sep|>lib/util.py\ndef helper():\n    pass\n<|file_sep|>app/main.py\n<|fim_prefix|>def add(a, b):\n    return <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>",
    );
    assert.equal(text("qwen2.5-coder", { ...parts, files: [], path: undefined }), "<|fim_prefix|>def add(a, b):\n    return <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>");
  });

  it("StarCoder2: the current file's name after <fim_prefix>", () => {
    assert.equal(
      text("starcoder2"),
      "<repo_name>workspace<file_sep>lib/util.py\ndef helper():\n    pass\n<file_sep><fim_prefix>app/main.py\ndef add(a, b):\n    return <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>",
    );
  });

  it("DeepSeek-Coder: other files as #path comments inside the prefix", () => {
    assert.equal(
      text("deepseek-coder"),
      "<｜fim▁begin｜># lib/util.py\ndef helper():\n    pass\n\n# app/main.py\ndef add(a, b):\n    return <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>",
    );
  });

  it("CodeLlama and Codestral: the prefix with SentencePiece's leading space; Codestral puts the suffix first", () => {
    const plain = { files: [], prefix: "x = ", suffix: "\ny = 2" };
    assert.equal(text("codellama", plain), "<PRE> x = <SUF>\ny = 2<MID>");
    assert.equal(text("codestral", plain), "[SUFFIX]\ny = 2[PREFIX] x = ");
  });

  it("CodeGemma: each other file followed by <|file_separator|>", () => {
    assert.equal(
      text("codegemma"),
      "# lib/util.py\ndef helper():\n    pass\n<|file_separator|><|fim_prefix|># app/main.py\ndef add(a, b):\n    return <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>",
    );
  });

  it("writes a path as a comment in its file's language", () => {
    assert.equal(commentHeader("src/a.ts"), "// src/a.ts");
    assert.equal(commentHeader("tools/b.py"), "# tools/b.py");
    assert.equal(commentHeader("db/c.sql"), "-- db/c.sql");
    assert.equal(commentHeader("web/index.html"), "<!-- web/index.html -->");
    assert.equal(commentHeader("Makefile"), "# Makefile");
    assert.equal(commentHeader("notes.unknown"), "// notes.unknown");
  });
});
