/**
 * The catalog editor's forms (fields as typed) to the bodies of chat's admin API, checked with
 * the same rules as chat's `catalog/specs.py`; an edit sends only what changed. Pure.
 */
import type { CatalogModel, ModelBody, Provider, ProviderBody, ProviderKind } from "./types";

export const ENTRY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const BASE_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const PROVIDER_KINDS: ProviderKind[] = ["openai", "azure", "ollama", "vllm", "llamacpp", "litellm", "openrouter", "other"];

/** Where the key comes from; "keep" (edits only) leaves the stored source alone. */
export type KeyChoice = "keep" | "none" | "stored" | "env" | "file";

export interface ProviderForm {
  id: string;
  kind: ProviderKind;
  base_url: string;
  key: KeyChoice;
  /** Typed only to replace it: the API never returns a stored key. */
  api_key: string;
  api_key_env: string;
  api_key_file: string;
  timeout_seconds: string;
  connect_timeout_seconds: string;
  max_retries: string;
  enabled: boolean;
}

export type FormErrors<F> = Partial<Record<keyof F, string>>;
export type Checked<B, F> = { body: B; errors: null } | { body: null; errors: FormErrors<F> };

export function providerForm(provider: Provider | null): ProviderForm {
  return {
    id: provider?.id ?? "",
    kind: provider?.kind ?? "openai",
    base_url: provider?.base_url ?? "",
    key: provider ? "keep" : "stored",
    api_key: "",
    api_key_env: provider?.api_key_env ?? "",
    api_key_file: provider?.api_key_file ?? "",
    timeout_seconds: String(provider?.timeout_seconds ?? 60),
    connect_timeout_seconds: String(provider?.connect_timeout_seconds ?? 10),
    max_retries: String(provider?.max_retries ?? 1),
    enabled: provider?.enabled ?? true,
  };
}

function seconds(text: string): number | null {
  const value = Number(text);
  return text.trim() && Number.isFinite(value) && value > 0 && value <= 3600 ? value : null;
}

/** The body to create (`existing` null) or to change `existing` with; only changed fields go. */
export function providerBody(form: ProviderForm, existing: Provider | null): Checked<ProviderBody, ProviderForm> {
  const errors: FormErrors<ProviderForm> = {};
  if (!existing && !ENTRY_ID_PATTERN.test(form.id)) {
    errors.id = "Lower-case letters, digits, '.', '-' and '_' (64 at most), starting with a letter or digit";
  }
  const baseUrl = form.base_url.trim();
  if (!BASE_URL.test(baseUrl)) errors.base_url = "An http:// or https:// address";
  const timeout = seconds(form.timeout_seconds);
  if (timeout === null) errors.timeout_seconds = "Seconds, more than 0 and 3600 at most";
  const connect = seconds(form.connect_timeout_seconds);
  if (connect === null) errors.connect_timeout_seconds = "Seconds, more than 0 and 3600 at most";
  const retries = Number(form.max_retries);
  if (!form.max_retries.trim() || !Number.isInteger(retries) || retries < 0 || retries > 5) {
    errors.max_retries = "A whole number from 0 to 5";
  }
  if (form.key === "stored" && !form.api_key) errors.api_key = "Enter the API key";
  if (form.key === "env" && !ENV_NAME.test(form.api_key_env.trim())) errors.api_key_env = "A variable name, such as OPENAI_API_KEY";
  if (form.key === "file" && !form.api_key_file.trim().startsWith("/")) errors.api_key_file = "An absolute path";
  if (!existing && form.key === "keep") errors.key = "Choose where the key comes from";
  if (Object.keys(errors).length) return { body: null, errors };

  const full: ProviderBody = {
    kind: form.kind,
    base_url: baseUrl,
    timeout_seconds: timeout!,
    connect_timeout_seconds: connect!,
    max_retries: retries,
    enabled: form.enabled,
  };
  const key = keyFields(form);
  if (!existing) return { body: { id: form.id, ...full, ...withoutNulls(key) }, errors: null };
  const body: ProviderBody = {};
  for (const name of Object.keys(full) as (keyof typeof full)[]) {
    if (full[name] !== existing[name as keyof Provider]) Object.assign(body, { [name]: full[name] });
  }
  return { body: { ...body, ...key }, errors: null };
}

/** The key fields to send: one source, or all three null for "no key" (nothing for "keep"). */
function keyFields(form: ProviderForm): ProviderBody {
  switch (form.key) {
    case "keep":
      return {};
    case "none":
      return { api_key: null, api_key_env: null, api_key_file: null };
    case "stored":
      return { api_key: form.api_key, api_key_env: null, api_key_file: null };
    case "env":
      return { api_key: null, api_key_env: form.api_key_env.trim(), api_key_file: null };
    case "file":
      return { api_key: null, api_key_env: null, api_key_file: form.api_key_file.trim() };
  }
}

function withoutNulls(body: ProviderBody): ProviderBody {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null)) as ProviderBody;
}

export interface ModelForm {
  id: string;
  provider: string;
  upstream: string;
  display_name: string;
  context_tokens: string;
  max_output_tokens: string;
  input_price_per_million: string;
  output_price_per_million: string;
  enabled: boolean;
  default: boolean;
  groups: string[];
}

export function modelForm(model: CatalogModel | null, provider = ""): ModelForm {
  return {
    id: model?.id ?? "",
    provider: model?.provider ?? provider,
    // The API fills a missing upstream and display name with the id: show them empty then.
    upstream: model && model.upstream !== model.id ? model.upstream : "",
    display_name: model && model.display_name !== model.id ? model.display_name : "",
    context_tokens: model ? String(model.context_tokens) : "",
    max_output_tokens: model ? String(model.max_output_tokens) : "",
    input_price_per_million: String(model?.input_price_per_million ?? 0),
    output_price_per_million: String(model?.output_price_per_million ?? 0),
    enabled: model?.enabled ?? true,
    default: model?.default ?? false,
    groups: [...(model?.groups ?? [])].sort(),
  };
}

function tokens(text: string): number | null {
  const value = Number(text);
  return text.trim() && Number.isInteger(value) && value >= 1 && value <= 100_000_000 ? value : null;
}

function price(text: string): number | null {
  const value = text.trim() ? Number(text) : 0;
  return Number.isFinite(value) && value >= 0 && value <= 1_000_000 ? value : null;
}

export function modelBody(form: ModelForm, existing: CatalogModel | null): Checked<ModelBody, ModelForm> {
  const errors: FormErrors<ModelForm> = {};
  if (!existing && !ENTRY_ID_PATTERN.test(form.id)) {
    errors.id = "Lower-case letters, digits, '.', '-' and '_' (64 at most), starting with a letter or digit";
  }
  if (!form.provider) errors.provider = "Choose a provider";
  if (form.upstream.trim().length > 200) errors.upstream = "200 characters at most";
  if (form.display_name.trim().length > 200) errors.display_name = "200 characters at most";
  const context = tokens(form.context_tokens);
  const output = tokens(form.max_output_tokens);
  if (context === null) errors.context_tokens = "A whole number of tokens";
  if (output === null) errors.max_output_tokens = "A whole number of tokens";
  else if (context !== null && output >= context) errors.max_output_tokens = "Less than the context window";
  const input = price(form.input_price_per_million);
  const outputPrice = price(form.output_price_per_million);
  if (input === null) errors.input_price_per_million = "A price of 0 or more";
  if (outputPrice === null) errors.output_price_per_million = "A price of 0 or more";
  if (Object.keys(errors).length) return { body: null, errors };

  const full: Required<Omit<ModelBody, "id">> = {
    provider: form.provider,
    upstream: form.upstream.trim() || null,
    display_name: form.display_name.trim() || null,
    context_tokens: context!,
    max_output_tokens: output!,
    input_price_per_million: input!,
    output_price_per_million: outputPrice!,
    enabled: form.enabled,
    default: form.default,
    groups: [...form.groups].sort(),
  };
  if (!existing) {
    const created: ModelBody = { id: form.id, ...full };
    if (full.upstream === null) delete created.upstream;
    if (full.display_name === null) delete created.display_name;
    return { body: created, errors: null };
  }
  const before = modelForm(existing);
  const body: ModelBody = {};
  for (const name of Object.keys(full) as (keyof typeof full)[]) {
    const was = name === "upstream" || name === "display_name" ? before[name].trim() || null : existing[name];
    if (JSON.stringify(full[name]) !== JSON.stringify(name === "groups" ? [...existing.groups].sort() : was)) {
      Object.assign(body, { [name]: full[name] });
    }
  }
  return { body, errors: null };
}

/** The catalog file (or LLM_* settings) defines it: the API cannot change it. */
export function readOnly(entry: { source: string }): boolean {
  return entry.source !== "api";
}
