/**
 * The chat service's catalog admin API (`/api/admin/providers`, `/api/admin/models`) on the
 * session's API client. A provider's API key is write-only: it goes out, never comes back.
 */
import type { ApiClient } from "../api";
import type { CatalogModel, ModelBody, Provider, ProviderBody } from "./types";

const id = encodeURIComponent;

export class CatalogAdmin {
  constructor(private readonly api: ApiClient) {}

  /** Every provider, from the catalog file and the API, in catalog order. */
  async listProviders(): Promise<Provider[]> {
    return (await this.api.json<{ items: Provider[] }>("/api/admin/providers")).items;
  }

  createProvider(body: ProviderBody): Promise<Provider> {
    return this.api.json("/api/admin/providers", { method: "POST", body: JSON.stringify(body) });
  }

  /** Only the fields given change; one key field replaces the key source. */
  updateProvider(providerId: string, body: ProviderBody): Promise<Provider> {
    return this.api.json(`/api/admin/providers/${id(providerId)}`, { method: "PATCH", body: JSON.stringify(body) });
  }

  /** Refused (409) while models use it, or when the catalog file defines it. */
  async deleteProvider(providerId: string): Promise<void> {
    await this.api.request(`/api/admin/providers/${id(providerId)}`, { method: "DELETE" });
  }

  /** Every model, usable or not, whoever may use it, in catalog order. */
  async listModels(): Promise<CatalogModel[]> {
    return (await this.api.json<{ items: CatalogModel[] }>("/api/admin/models")).items;
  }

  createModel(body: ModelBody): Promise<CatalogModel> {
    return this.api.json("/api/admin/models", { method: "POST", body: JSON.stringify(body) });
  }

  updateModel(modelId: string, body: ModelBody): Promise<CatalogModel> {
    return this.api.json(`/api/admin/models/${id(modelId)}`, { method: "PATCH", body: JSON.stringify(body) });
  }

  /** Who may use the model: these groups' members, or everyone when the list is empty. */
  setModelGroups(modelId: string, groups: string[]): Promise<CatalogModel> {
    return this.updateModel(modelId, { groups });
  }

  async deleteModel(modelId: string): Promise<void> {
    await this.api.request(`/api/admin/models/${id(modelId)}`, { method: "DELETE" });
  }
}
