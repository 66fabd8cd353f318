// Starts a real VS Code (code-server, pinned in scripts/install-test-tools.sh) on 127.0.0.1 with
// its home, data and extensions in a scratch folder, and stops it with all its helper processes.
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { testTools } from "./testTools";

/** User settings that keep a test workbench quiet: no welcome page, tips, updates, telemetry or built-in chat. */
export const QUIET_WORKBENCH: Readonly<Record<string, unknown>> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
};

export interface CodeServerOptions {
  /** Scratch folder: HOME, TMPDIR, user data and extensions live under it. */
  readonly scratch: string;
  /** User settings written to settings.json before start. */
  readonly userSettings?: Record<string, unknown>;
  /**
   * Settings of the machine code-server runs on ("Remote" in the Settings editor). Settings with
   * `"scope": "machine"` (hearth.modelsDirectory, hearth.ollama.host, hearth.openai.baseUrl) belong
   * here: VS Code ignores them in user settings when the extension host is remote.
   */
  readonly machineSettings?: Record<string, unknown>;
  /** Extra command-line arguments (for example the smoke-test driver option). */
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
}

export interface CodeServer {
  readonly url: string;
  readonly host: string;
  readonly extensionsDir: string;
  readonly userDataDir: string;
  readonly output: string[];
  stop(): Promise<void>;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const dirs = await scratchDirectories(options.scratch);
  for (const [folder, settings] of [["User", options.userSettings], ["Machine", options.machineSettings]] as const) {
    if (!settings) continue;
    await fs.mkdir(path.join(dirs.userDataDir, folder), { recursive: true });
    await fs.writeFile(path.join(dirs.userDataDir, folder, "settings.json"), JSON.stringify(settings, null, 2));
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = runCodeServer(
    [
      "--auth", "none",
      "--bind-addr", host,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--ignore-last-opened",
      "--extensions-dir", dirs.extensionsDir,
      "--user-data-dir", dirs.userDataDir,
      ...(options.args ?? []),
    ],
    dirs,
    options.env,
  );
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60 s:\n${output.join("")}`)), 60_000);
    const onData = (data: Buffer) => {
      output.push(data.toString());
      if (output.join("").includes("HTTP server listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code}:\n${output.join("")}`));
    });
  });
  return {
    url: `http://${host}`,
    host,
    extensionsDir: dirs.extensionsDir,
    userDataDir: dirs.userDataDir,
    output,
    stop: () => stopProcessGroup(child),
  };
}

/** Installs a packaged extension the way a user would (`code-server --install-extension`). */
export async function installExtension(vsix: string, scratch: string): Promise<void> {
  const dirs = await scratchDirectories(scratch);
  const child = runCodeServer(
    ["--install-extension", vsix, "--extensions-dir", dirs.extensionsDir, "--user-data-dir", dirs.userDataDir],
    dirs,
  );
  let output = "";
  child.stdout?.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (output += data.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0 || !/was successfully installed/.test(output)) {
    throw new Error(`Installing ${vsix} failed (exit ${code}):\n${output}`);
  }
}

interface ScratchDirectories {
  readonly home: string;
  readonly tmp: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
}

async function scratchDirectories(scratch: string): Promise<ScratchDirectories> {
  const dirs = {
    home: path.join(scratch, "home"),
    tmp: path.join(scratch, "tmp"),
    userDataDir: path.join(scratch, "user-data"),
    extensionsDir: path.join(scratch, "extensions"),
  };
  await Promise.all(Object.values(dirs).map((dir) => fs.mkdir(dir, { recursive: true })));
  return dirs;
}

function runCodeServer(args: string[], dirs: ScratchDirectories, env: Record<string, string> = {}): ChildProcess {
  const tools = testTools();
  return spawn(tools.node24, [tools.codeServerEntry, ...args], {
    detached: true, // its own process group, so stop() ends its helpers too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      LANG: "C.UTF-8",
      HOME: dirs.home,
      TMPDIR: dirs.tmp,
      XDG_CONFIG_HOME: path.join(dirs.home, ".config"),
      XDG_DATA_HOME: path.join(dirs.home, ".local", "share"),
      XDG_CACHE_HOME: path.join(dirs.home, ".cache"),
      ...env,
    },
  });
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
