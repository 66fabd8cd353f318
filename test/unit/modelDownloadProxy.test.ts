import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as path from "node:path";
import { DownloadManager } from "../../src/modelStore/downloadManager";
import { listGgufModels } from "../../src/modelStore/huggingFaceHub";
import { fakeRepo, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { temporaryDirectory } from "../support/temporaryDirectory";

/** An HTTP CONNECT proxy on loopback that sends every tunnel to 127.0.0.1 (the port asked for). */
async function startConnectProxy(refuse = false): Promise<{ url: string; tunnels: string[]; authorizations: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_request, response) => response.writeHead(405).end());
  server.on("connect", (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(request.url ?? "");
    authorizations.push(request.headers["proxy-authorization"] ?? "");
    if (refuse) return void client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    const port = Number((request.url ?? "").split(":").pop());
    const upstream = net.connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://user:s%40cret@127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("downloads through a proxy", () => {
  let hub: FakeHuggingFace;
  let folder: Awaited<ReturnType<typeof temporaryDirectory>>;
  const repo = fakeRepo("acme/Proxy-GGUF", [["proxy-Q4_0.gguf", 2 * 1024 * 1024]]);
  // A name that is not loopback, so the proxy is used; the proxy maps it to the loopback hub.
  const hubVia = () => `http://hub.hearth.test:${new URL(hub.url).port}`;

  before(async () => {
    hub = await startFakeHuggingFace([repo]);
  });
  after(() => hub.close());
  beforeEach(async () => {
    folder = await temporaryDirectory();
    hub.requests.splice(0);
  });
  afterEach(() => folder.remove());

  it("reaches the hub through the proxy's tunnel, and the loopback CDN directly", async () => {
    const proxy = await startConnectProxy();
    try {
      const models = path.join(folder.path, "models");
      const downloads = new DownloadManager({ modelsDirectory: models, endpoint: hubVia(), proxy: { url: proxy.url }, token: () => "hf_test_token", retryDelayMs: 10 });
      const outcome = await downloads.download({ repo: repo.name, files: [{ path: "proxy-Q4_0.gguf" }] }).done;
      assert.equal(outcome.state, "installed");
      assert.ok((await fs.readFile(path.join(models, "proxy-Q4_0.gguf"))).equals(repo.files[0].content.read(0, repo.files[0].content.size)));
      assert.deepEqual(proxy.tunnels, [`hub.hearth.test:${new URL(hub.url).port}`], "one tunnel, to the hub; the loopback CDN was not proxied");
      assert.equal(proxy.authorizations[0], `Basic ${Buffer.from("user:s@cret").toString("base64")}`);
      assert.equal(hub.requests[0].headers.authorization, "Bearer hf_test_token", "the token went through the tunnel to the hub");
      assert.equal(hub.requests[0].headers.host, `hub.hearth.test:${new URL(hub.url).port}`);

      const models2 = await listGgufModels(repo.name, { endpoint: hubVia(), proxy: { url: proxy.url } });
      assert.equal(models2.length, 1);
      assert.equal(proxy.tunnels.length, 2, "listings go through the proxy too");
    } finally {
      await proxy.close();
    }
  });

  it("names a proxy that refuses the tunnel", async () => {
    const proxy = await startConnectProxy(true);
    try {
      const downloads = new DownloadManager({ modelsDirectory: folder.path, endpoint: hubVia(), proxy: { url: proxy.url } });
      const outcome = await downloads.download({ repo: repo.name, files: [{ path: "proxy-Q4_0.gguf" }] }).done;
      assert.equal(outcome.state === "failed" && outcome.error.reason, "connection");
      assert.match(outcome.state === "failed" ? outcome.error.message : "", /^Can't download proxy-Q4_0\.gguf: The proxy 127\.0\.0\.1:\d+ refused to connect to hub\.hearth\.test:\d+ \(HTTP 407\)\. Check VS Code's proxy settings/);
    } finally {
      await proxy.close();
    }
  });
});
