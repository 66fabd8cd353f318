// The settings the engine's errors point at (a BackendError's `setting`, the words of its
// message), spelled once. The engine reads no settings itself: the host hands it their values.
export const CHAT_MODEL_SETTING = "hearth.models.chat";
export const COMPLETION_MODEL_SETTING = "hearth.models.completion";
export const EMBEDDING_MODEL_SETTING = "hearth.models.embedding";
export const OLLAMA_HOST_SETTING = "hearth.ollama.host";
export const OPENAI_BASE_URL_SETTING = "hearth.openai.baseUrl";
export const BACKEND_SETTING = "hearth.backend";
