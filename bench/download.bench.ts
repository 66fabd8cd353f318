// `npm run bench:download [-- --json FILE]`: Hearth's model download against a plain download, in
// one run, from the loopback hub (test/support/fakeHuggingFace.ts) serving a 512 MiB file it makes on
// the fly. The hub runs in a child process, as a real server would be another machine's CPU.
//   download_throughput_ratio  Hearth's download (resolve, 302, stream, sha256, rename) ÷ a plain
//                              `fetch` streamed to a file; medians of interleaved rounds   (≥ 0.9)
//   resume_overhead_ratio      bytes the server sent to finish a download cut at 60 % ÷ the bytes
//                              it had not sent before the cut                              (≤ 1.05)
import { fork, type ChildProcess } from "node:child_process";
import { createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parseArgs } from "node:util";
import { DownloadManager } from "../src/modelStore/downloadManager";
import { resolveUrl } from "../src/modelStore/hubUrls";
import { generatedContent, startFakeHuggingFace, type FakeBehaviour } from "../test/support/fakeHuggingFace";
import { median, printTable, writeFigures } from "./report";

const MiB = 1 << 20;
const SIZE = 512 * MiB;
const ROUNDS = 5;
const REPO = "bench/Big-GGUF";
const FILE = "big-Q4_K_M.gguf";

type ToServer = { type: "behaviour"; behaviour: FakeBehaviour } | { type: "requests" };
type FromServer =
  | { type: "ready"; url: string; sha256: string }
  | { type: "requests"; requests: Array<{ url: string; server: string; range?: string; status: number; bodyBytes: number }> };

/** The child: the fake hub with one 512 MiB file, driven over IPC. */
async function serve(): Promise<void> {
  const content = generatedContent(SIZE, 7);
  const hub = await startFakeHuggingFace([{ name: REPO, files: [{ path: FILE, content }] }]);
  process.on("message", (message: ToServer) => {
    if (message.type === "behaviour") {
      for (const key of Object.keys(hub.behaviour)) delete hub.behaviour[key as keyof FakeBehaviour];
      Object.assign(hub.behaviour, message.behaviour);
    } else {
      const requests = hub.requests.splice(0).map(({ url, server, headers, status, bodyBytes }) => ({ url, server, range: headers.range, status, bodyBytes }));
      process.send!({ type: "requests", requests } satisfies FromServer);
    }
  });
  process.on("disconnect", () => void hub.close().then(() => process.exit(0)));
  process.send!({ type: "ready", url: hub.url, sha256: content.sha256 } satisfies FromServer);
}

function ask(child: ChildProcess, message: ToServer): Promise<FromServer> {
  return new Promise((resolve) => {
    child.once("message", resolve);
    child.send(message);
  });
}


async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "string" }, serve: { type: "boolean" } } });
  if (values.serve) return serve();

  const child = fork(__filename, ["--serve"], { stdio: "inherit" });
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-bench-download-"));
  try {
    const ready = await new Promise<FromServer>((resolve) => child.once("message", resolve));
    if (ready.type !== "ready") throw new Error("the fake hub did not start");
    const { url, sha256 } = ready;
    const models = path.join(scratch, "models");
    const request = { repo: REPO, files: [{ path: FILE, size: SIZE, sha256 }] };

    const plainFetch = async (): Promise<number> => {
      const target = path.join(scratch, "plain.gguf");
      const started = performance.now();
      const response = await fetch(resolveUrl(url, REPO, "main", FILE));
      await pipeline(Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>), createWriteStream(target));
      const seconds = (performance.now() - started) / 1000;
      if ((await fs.stat(target)).size !== SIZE) throw new Error("the plain download is incomplete");
      await fs.rm(target);
      return seconds;
    };
    const hearth = async (): Promise<number> => {
      const started = performance.now();
      const outcome = await new DownloadManager({ modelsDirectory: models, endpoint: url }).download(request).done;
      const seconds = (performance.now() - started) / 1000;
      if (outcome.state !== "installed" || !outcome.verified) throw new Error(`Hearth's download ended ${JSON.stringify(outcome)}`);
      await fs.rm(models, { recursive: true });
      return seconds;
    };

    // Warm both up once, then interleave so drift in machine load hits both alike.
    await plainFetch();
    await hearth();
    const plainSeconds: number[] = [];
    const hearthSeconds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plainSeconds.push(await plainFetch());
      hearthSeconds.push(await hearth());
    }

    // Resume: the connection is cut once, at 60 %; Hearth resumes by itself.
    const cutAt = Math.floor(SIZE * 0.6);
    await ask(child, { type: "requests" });
    child.send({ type: "behaviour", behaviour: { cut: { afterBytes: cutAt, times: 1 } } } satisfies ToServer);
    const resumeSeconds = await hearth();
    const log = await ask(child, { type: "requests" });
    if (log.type !== "requests") throw new Error("no request log");
    const bodies = log.requests.filter((entry) => entry.server === "cdn");
    const sentBeforeCut = bodies[0].bodyBytes;
    const sentToFinish = bodies.slice(1).reduce((sum, entry) => sum + entry.bodyBytes, 0);
    const missing = SIZE - sentBeforeCut;

    const plain = median(plainSeconds);
    const ours = median(hearthSeconds);
    const figures = { download_throughput_ratio: plain / ours, resume_overhead_ratio: sentToFinish / missing };
    const rate = (seconds: number) => `${(SIZE / MiB / seconds).toFixed(0)} MiB/s`;
    printTable(`Download benchmark: ${SIZE / MiB} MiB from the loopback hub, ${ROUNDS} interleaved rounds (medians)`, [
      ["figure", "plain fetch", "Hearth", "result", "target"],
      ["download time, s", plain.toFixed(2), ours.toFixed(2), `ratio ${figures.download_throughput_ratio.toFixed(3)}`, "≥ 0.9"],
      ["throughput", rate(plain), rate(ours), "", ""],
      ["  (each round, s)", plainSeconds.map((s) => s.toFixed(2)).join(" "), hearthSeconds.map((s) => s.toFixed(2)).join(" "), "", ""],
      [
        "resume after a cut at 60 %",
        `${(missing / MiB).toFixed(1)} MiB missing`,
        `${(sentToFinish / MiB).toFixed(1)} MiB sent, from ${bodies[1]?.range ?? "?"}`,
        `ratio ${figures.resume_overhead_ratio.toFixed(4)}`,
        "≤ 1.05",
      ],
      ["  (cut download, total s)", "", resumeSeconds.toFixed(2), "", ""],
    ]);
    await writeFigures(values.json, figures);
  } finally {
    child.disconnect();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
