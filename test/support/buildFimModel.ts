// Derives the fill-in-the-middle test model from the tiny llama-2 fixture by rewriting its GGUF
// metadata: FIM prefix/suffix/middle token ids and an end-of-turn id (pointing at tokens that
// exist in its vocabulary) and a ChatML chat template. The tensor data is copied unchanged,
// re-aligned after the longer header. Run it with `npm run fixtures`; a unit test checks that
// the committed file is what this produces.
import { buildGgufHeader, gguf, GGUFValueType, type GGUFTypedMetadata } from "@huggingface/gguf";
import { openAsBlob } from "node:fs";
import { promises as fs } from "node:fs";
import { tinyFimModel, tinyModel } from "./fixtures";

/** Byte tokens <0x01>, <0x02>, <0x03> of the llama tokenizer: present, and rare in real text. */
export const FIM_TOKEN_IDS = { prefix: 4, suffix: 5, middle: 6 } as const;
/** </s> ends a turn. */
export const EOT_TOKEN_ID = 2;
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export async function buildFimModel(source = tinyModel): Promise<Buffer> {
  const parsed = await gguf(source, { typedMetadata: true, allowLocalFile: true });
  const uint32 = (value: number) => ({ value, type: GGUFValueType.UINT32 });
  // The library's own type for parsed metadata is narrower than its writer's; the values are the same.
  const metadata = {
    ...parsed.typedMetadata,
    "general.name": { value: "llama-2-tiny-random-fim", type: GGUFValueType.STRING },
    "tokenizer.ggml.fim_pre_token_id": uint32(FIM_TOKEN_IDS.prefix),
    "tokenizer.ggml.fim_suf_token_id": uint32(FIM_TOKEN_IDS.suffix),
    "tokenizer.ggml.fim_mid_token_id": uint32(FIM_TOKEN_IDS.middle),
    "tokenizer.ggml.eot_token_id": uint32(EOT_TOKEN_ID),
    "tokenizer.chat_template": { value: CHATML_TEMPLATE, type: GGUFValueType.STRING },
  } as GGUFTypedMetadata;
  // version, tensor_count and kv_count are header fields, not key-value pairs.
  metadata.kv_count = { ...metadata.kv_count, value: BigInt(Object.keys(metadata).length - 3) };

  const alignment = Number(parsed.typedMetadata["general.alignment"]?.value ?? 32);
  const original = await openAsBlob(source);
  const header = await buildGgufHeader(original, metadata, {
    littleEndian: parsed.littleEndian,
    tensorInfoByteRange: parsed.tensorInfoByteRange,
    alignment,
  });
  const tensorData = original.slice(Number(parsed.tensorDataOffset));
  return Buffer.concat([Buffer.from(await header.arrayBuffer()), Buffer.from(await tensorData.arrayBuffer())]);
}

if (require.main === module) {
  buildFimModel()
    .then(async (bytes) => {
      await fs.writeFile(tinyFimModel, bytes);
      console.log(`wrote ${tinyFimModel} (${bytes.length} bytes)`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
