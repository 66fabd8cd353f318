import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DownloadManager } from "../../src/modelStore/downloadManager";
import { listGgufModels } from "../../src/modelStore/huggingFaceHub";
import { startConnectProxy } from "../support/connectProxy";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo } from "../support/fakeHuggingFace";

describe("downloads through a proxy", () => {
  const repo = fakeRepo("acme/Proxy-GGUF", [["proxy-Q4_0.gguf", 2 * 1024 * 1024]]);
  const suite = useDownloadSuite([repo]);
  // A name that is not loopback, so the proxy is used; the proxy maps it to the loopback hub.
  const hubVia = () => `http://hub.hearth.test:${new URL(suite.hub.url).port}`;

  it("reaches the hub through the proxy's tunnel, and the loopback CDN directly", async () => {
    const proxy = await startConnectProxy();
    try {
      const models = path.join(suite.folder, "models");
      const downloads = new DownloadManager({ modelsDirectory: models, endpoint: hubVia(), proxy: { url: proxy.url }, token: () => "hf_test_token", retryDelayMs: 10 });
      const outcome = await downloads.download({ repo: repo.name, files: [{ path: "proxy-Q4_0.gguf" }] }).done;
      assert.equal(outcome.state, "installed");
      assert.ok((await fs.readFile(path.join(models, "proxy-Q4_0.gguf"))).equals(repo.files[0].content.read(0, repo.files[0].content.size)));
      assert.deepEqual(proxy.tunnels, [`hub.hearth.test:${new URL(suite.hub.url).port}`], "one tunnel, to the hub; the loopback CDN was not proxied");
      assert.equal(proxy.authorizations[0], `Basic ${Buffer.from("user:s@cret").toString("base64")}`);
      assert.equal(suite.hub.requests[0].headers.authorization, "Bearer hf_test_token", "the token went through the tunnel to the hub");
      assert.equal(suite.hub.requests[0].headers.host, `hub.hearth.test:${new URL(suite.hub.url).port}`);

      const models2 = await listGgufModels(repo.name, { endpoint: hubVia(), proxy: { url: proxy.url } });
      assert.equal(models2.length, 1);
      assert.equal(proxy.tunnels.length, 2, "listings go through the proxy too");
    } finally {
      await proxy.close();
    }
  });

  it("names a proxy that refuses the tunnel", async () => {
    const proxy = await startConnectProxy("refuse");
    try {
      const downloads = new DownloadManager({ modelsDirectory: suite.folder, endpoint: hubVia(), proxy: { url: proxy.url } });
      const outcome = await downloads.download({ repo: repo.name, files: [{ path: "proxy-Q4_0.gguf" }] }).done;
      assert.equal(outcome.state === "failed" && outcome.error.reason, "connection");
      assert.match(outcome.state === "failed" ? outcome.error.message : "", /^Can't download proxy-Q4_0\.gguf: The proxy 127\.0\.0\.1:\d+ refused to connect to hub\.hearth\.test:\d+ \(HTTP 407\)\. Check VS Code's proxy settings/);
    } finally {
      await proxy.close();
    }
  });

  it("ends at once when cancelled while the proxy has not answered CONNECT, and closes its connection to the proxy", async () => {
    const proxy = await startConnectProxy("silent");
    try {
      const downloads = new DownloadManager({ modelsDirectory: path.join(suite.folder, "models"), endpoint: hubVia(), proxy: { url: proxy.url }, stallTimeoutMs: 60_000 });
      const connecting = proxy.nextConnect();
      const task = downloads.download({ repo: repo.name, files: [{ path: "proxy-Q4_0.gguf" }] });
      await connecting;
      assert.equal(proxy.openClients(), 1);
      const cancelledAt = Date.now();
      assert.equal(downloads.cancel(task.id), true);
      assert.deepEqual(await task.done, { state: "cancelled" });
      assert.ok(Date.now() - cancelledAt < 250, `cancel took ${Date.now() - cancelledAt} ms`);
      const deadline = Date.now() + 1_000;
      while (proxy.openClients() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(proxy.openClients(), 0, "the half-open tunnel to the proxy was closed, not left waiting for an answer");
    } finally {
      await proxy.close();
    }
  });
});
