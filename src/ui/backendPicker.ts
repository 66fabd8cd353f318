// "Switch Backend or Model…" (the status bar's click): the model, the built-in llama.cpp, the
// usual servers by name at their default addresses (each probed as the picker opens, and marked
// answering or not as the probes finish), Hugging Face's router, and the configured server.
import * as vscode from "vscode";
import { BACKEND_LABELS, type BackendKind } from "../config/settings";
import { updateSetting } from "../config/settingWrites";
import type { SettingsService } from "../config/settingsService";
import { resolveOllamaHost } from "../engine/serverAddress";
import type { ApiKeyStore } from "./apiKeys";
import { probePresets, SERVER_PRESETS, type ProbeResult, type ServerPreset } from "./serverPresets";
import { askForApiKey } from "./serverTrust";

type Choice =
  | { readonly kind: "model" | "log" | "llamaCpp" }
  | { readonly kind: "preset"; readonly preset: ServerPreset }
  | { readonly kind: "configured"; readonly backend: Exclude<BackendKind, "llamaCpp"> };

interface Item extends vscode.QuickPickItem {
  readonly choice?: Choice;
}

export async function switchBackendOrModel(settings: SettingsService, apiKeys: ApiKeyStore): Promise<unknown> {
  const probes = new Map<string, ProbeResult>();
  const picker = vscode.window.createQuickPick<Item>();
  picker.title = vscode.l10n.t("Hearth: {0}", BACKEND_LABELS[settings.current.backend]);
  picker.placeholder = vscode.l10n.t("Choose where models run, or the chat model");
  picker.matchOnDescription = true;
  picker.keepScrollPosition = true;
  picker.items = items(settings, probes);
  picker.show(); // at once: the probes fill in the descriptions as they finish
  const finished = probePresets(SERVER_PRESETS, (preset, result) => {
    probes.set(preset.id, result);
    // New items (new descriptions) would move the highlight back to the top: keep it where the user put it.
    const active = picker.activeItems[0]?.label;
    picker.items = items(settings, probes);
    if (active !== undefined) picker.activeItems = picker.items.filter((item) => item.label === active);
  });
  const choice = await new Promise<Choice | undefined>((resolve) => {
    picker.onDidAccept(() => {
      resolve(picker.selectedItems[0]?.choice);
      picker.hide();
    });
    picker.onDidHide(() => resolve(undefined));
  });
  void finished.finally(() => picker.dispose());
  if (!choice) return undefined;
  switch (choice.kind) {
    case "model":
      return vscode.commands.executeCommand("hearth.selectModel");
    case "log":
      return vscode.commands.executeCommand("hearth.showLog");
    case "llamaCpp":
      return updateSetting("backend", "llamaCpp");
    case "configured":
      return updateSetting("backend", choice.backend);
    case "preset":
      return usePreset(choice.preset, apiKeys, settings, probes.get(choice.preset.id));
  }
}

/**
 * Writes the preset's address, then its backend; Hugging Face first needs a token for its router.
 * A server that answers then offers its models: the chat model named so far was the old backend's.
 */
async function usePreset(preset: ServerPreset, apiKeys: ApiKeyStore, settings: SettingsService, probe: ProbeResult | undefined): Promise<unknown> {
  if (preset.id === "huggingFace" && !(await apiKeys.keyFor(preset.address))) {
    if (!(await askForApiKey(apiKeys, preset.address, vscode.l10n.t("Hugging Face access token (hf_…)")))) return undefined;
  }
  const matches = (current: SettingsService["current"]) =>
    current.backend === preset.backend && (preset.backend === "ollama" ? current.ollama.host : current.openai.baseUrl) === preset.address;
  const applied = new Promise<void>((resolve) => {
    const done = () => {
      subscription.dispose();
      clearTimeout(timer);
      resolve();
    };
    const subscription = settings.onDidChange((current) => matches(current) && done());
    const timer = setTimeout(done, 2000);
  });
  await updateSetting(preset.backend === "ollama" ? "ollama.host" : "openai.baseUrl", preset.address);
  await updateSetting("backend", preset.backend);
  if (probe !== "answering" && preset.local) return undefined;
  if (!matches(settings.current)) await applied; // the engine, which lists the models, reads settings.current
  return vscode.commands.executeCommand("hearth.selectModel");
}

function items(settings: SettingsService, probes: ReadonlyMap<string, ProbeResult>): Item[] {
  const current = settings.current;
  const inUse = (backend: BackendKind, address?: string) => current.backend === backend && (address === undefined || sameAddress(backend, address, current));
  const mark = (used: boolean, text: string) => (used ? vscode.l10n.t("current · {0}", text) : text);
  const state = (preset: ServerPreset) => {
    if (!preset.local) return vscode.l10n.t("not on this machine: your code leaves it");
    const probe = probes.get(preset.id);
    if (probe === undefined) return vscode.l10n.t("checking…");
    if (probe === "answering") return vscode.l10n.t("answering");
    if (probe === "other") return vscode.l10n.t("another program answers there");
    return vscode.l10n.t("not answering");
  };
  const preset = (entry: ServerPreset): Item => ({
    label: entry.name,
    description: mark(inUse(entry.backend, entry.address), `${entry.address} · ${state(entry)}`),
    choice: { kind: "preset", preset: entry },
  });
  const configured: Item[] = (["openai", "ollama"] as const)
    .filter((backend) => configuredAddress(backend, current) && !SERVER_PRESETS.some((entry) => entry.backend === backend && sameAddress(backend, entry.address, current)))
    .map((backend) => ({
      label: vscode.l10n.t("{0} at the configured address", BACKEND_LABELS[backend]),
      description: mark(inUse(backend), configuredAddress(backend, current) ?? ""),
      choice: { kind: "configured", backend },
    }));
  return [
    { label: vscode.l10n.t("Select Model…"), description: current.models.chat, choice: { kind: "model" } },
    { label: vscode.l10n.t("On this machine"), kind: vscode.QuickPickItemKind.Separator },
    { label: vscode.l10n.t("llama.cpp (built in)"), description: mark(inUse("llamaCpp"), vscode.l10n.t("GGUF models run inside Hearth")), choice: { kind: "llamaCpp" } },
    ...SERVER_PRESETS.filter((entry) => entry.local).map(preset),
    { label: vscode.l10n.t("Elsewhere"), kind: vscode.QuickPickItemKind.Separator },
    ...SERVER_PRESETS.filter((entry) => !entry.local).map(preset),
    ...configured,
    { label: "", kind: vscode.QuickPickItemKind.Separator },
    { label: vscode.l10n.t("Show Log"), choice: { kind: "log" } },
  ];
}

/** The address the settings give a server backend now (Ollama's falls back to OLLAMA_HOST), if any is set. */
function configuredAddress(backend: "openai" | "ollama", settings: SettingsService["current"]): string | undefined {
  if (backend === "openai") return settings.openai.baseUrl.replace(/\/+$/, "") || undefined;
  return settings.ollama.host || process.env.OLLAMA_HOST ? safeOllamaHost(settings.ollama.host) : undefined;
}

function sameAddress(backend: BackendKind, address: string, settings: SettingsService["current"]): boolean {
  if (backend === "openai") return settings.openai.baseUrl.replace(/\/+$/, "") === address;
  if (backend === "ollama") return safeOllamaHost(settings.ollama.host) === safeOllamaHost(address);
  return false;
}

function safeOllamaHost(setting: string): string | undefined {
  try {
    return resolveOllamaHost(setting, process.env.OLLAMA_HOST);
  } catch {
    return undefined;
  }
}
