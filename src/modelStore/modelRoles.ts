// The roles a model can be selected for, and which of them a given file fills.
import * as path from "node:path";
import type { HearthSettings } from "../config/settings";
import { resolveModelPath } from "./modelFiles";

export type ModelRole = "chat" | "completion" | "embedding";
export const MODEL_ROLES: readonly ModelRole[] = ["chat", "completion", "embedding"];

/** The roles whose model setting names `filePath`. */
export function rolesUsingFile(filePath: string, models: HearthSettings["models"], modelsDirectory: string): ModelRole[] {
  return MODEL_ROLES.filter((role) => {
    const selected = resolveModelPath(models[role], modelsDirectory);
    return selected !== undefined && path.resolve(selected) === path.resolve(filePath);
  });
}
