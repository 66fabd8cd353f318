// The setup the download tests share: one loopback hub per describe block, a fresh temporary
// folder (with `models` inside it, not yet created) per test, the hub's recorded requests, knobs and
// repositories reset before each test, and a DownloadManager factory with quick retries.
import * as path from "node:path";
import { DownloadManager, type DownloadManagerOptions } from "../../src/modelStore/downloadManager";
import { startFakeHuggingFace, type FakeHuggingFace, type FakeRepo, type RecordedRequest } from "./fakeHuggingFace";
import { temporaryDirectory } from "./temporaryDirectory";

export interface DownloadSuite {
  /** The loopback hub, started before the block's first test. */
  readonly hub: FakeHuggingFace;
  /** This test's temporary folder, removed after it. */
  readonly folder: string;
  /** `<folder>/models`; a test may point it elsewhere (the next test gets a fresh one). */
  models: string;
  /** A manager for `models` on the hub, with the suite's defaults and `options` on top. */
  readonly manager: (options?: Partial<DownloadManagerOptions>) => DownloadManager;
  /** The requests for the file's bytes (the CDN path, on whichever origin serves it), in order. */
  readonly cdnRequests: () => RecordedRequest[];
}

/**
 * Registers the mocha hooks of a download test block (call it inside `describe`). `defaults` are
 * the manager options every test of the block starts from.
 */
export function useDownloadSuite(repos: readonly FakeRepo[], defaults: Partial<DownloadManagerOptions> = {}): DownloadSuite {
  let hub: FakeHuggingFace | undefined;
  let folder: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is set up by useDownloadSuite's hooks; use it inside a test.`);
    return value;
  };
  const suite: DownloadSuite = {
    get hub() {
      return started(hub, "The hub");
    },
    get folder() {
      return started(folder, "The folder").path;
    },
    models: "",
    manager: (options = {}) =>
      new DownloadManager({ modelsDirectory: suite.models, endpoint: suite.hub.url, retryDelayMs: 10, progressIntervalMs: 0, ...defaults, ...options }),
    cdnRequests: () => suite.hub.requests.filter((request) => request.url.startsWith("/cdn/")),
  };

  before(async () => {
    hub = await startFakeHuggingFace([...repos]);
  });
  after(() => hub?.close());
  beforeEach(async () => {
    folder = await temporaryDirectory();
    suite.models = path.join(folder.path, "models");
    const fake = suite.hub;
    fake.requests.splice(0);
    fake.repos.splice(0, fake.repos.length, ...repos);
    for (const key of Object.keys(fake.behaviour)) delete fake.behaviour[key as keyof typeof fake.behaviour];
  });
  afterEach(() => folder?.remove());
  return suite;
}
