import { describe, expect, it } from "vitest";

import { actorLabel, auditFilters, detailPairs, instantOf, NO_FILTERS, targetLabel } from "@/lib/admin/audit";
import { modelBody, modelForm, providerBody, providerForm, readOnly } from "@/lib/admin/catalog-forms";
import { inviteBody, inviteLink, inviteState, parseDomains, policyProblem } from "@/lib/admin/registration";
import type { AuditEvent, Provider } from "@/lib/admin/types";

import { catalogModel } from "./fake-admin";

const PROVIDER: Provider = {
  id: "openai",
  kind: "openai",
  base_url: "https://api.openai.com/v1",
  key_source: "stored",
  api_key_set: true,
  api_key_env: null,
  api_key_file: null,
  timeout_seconds: 60,
  connect_timeout_seconds: 10,
  max_retries: 1,
  enabled: true,
  source: "api",
};

describe("provider form", () => {
  it("creates a provider with its key, checked like chat checks it", () => {
    const form = { ...providerForm(null), id: "openai", base_url: "https://api.openai.com/v1", api_key: "sk-1" };
    expect(providerBody(form, null)).toEqual({
      body: {
        id: "openai",
        kind: "openai",
        base_url: "https://api.openai.com/v1",
        timeout_seconds: 60,
        connect_timeout_seconds: 10,
        max_retries: 1,
        enabled: true,
        api_key: "sk-1",
      },
      errors: null,
    });
    const bad = providerBody({ ...providerForm(null), id: "Open AI", base_url: "ftp://x", max_retries: "9", api_key: "" }, null);
    expect(Object.keys(bad.errors ?? {}).sort()).toEqual(["api_key", "base_url", "id", "max_retries"]);
  });

  it("on an edit sends only what changed, and never a key unless one is typed", () => {
    const form = providerForm(PROVIDER);
    expect(form.api_key).toBe("");
    expect(providerBody(form, PROVIDER)).toEqual({ body: {}, errors: null });
    expect(providerBody({ ...form, timeout_seconds: "120", enabled: false }, PROVIDER).body).toEqual({
      timeout_seconds: 120,
      enabled: false,
    });
    expect(providerBody({ ...form, key: "stored", api_key: "sk-new" }, PROVIDER).body).toEqual({
      api_key: "sk-new",
      api_key_env: null,
      api_key_file: null,
    });
    expect(providerBody({ ...form, key: "none" }, PROVIDER).body).toEqual({ api_key: null, api_key_env: null, api_key_file: null });
    expect(providerBody({ ...form, key: "env", api_key_env: "MY KEY" }, PROVIDER).errors).toHaveProperty("api_key_env");
  });
});

describe("model form", () => {
  it("creates a model, leaving the upstream and display name to default to the id", () => {
    const form = { ...modelForm(null, "stub"), id: "team-model", context_tokens: "8192", max_output_tokens: "1024", groups: ["rd"] };
    expect(modelBody(form, null)).toEqual({
      body: {
        id: "team-model",
        provider: "stub",
        context_tokens: 8192,
        max_output_tokens: 1024,
        input_price_per_million: 0,
        output_price_per_million: 0,
        enabled: true,
        default: false,
        groups: ["rd"],
      },
      errors: null,
    });
  });

  it("refuses a reply as long as the context window, as chat does", () => {
    const form = { ...modelForm(null, "stub"), id: "m", context_tokens: "1024", max_output_tokens: "1024" };
    expect(modelBody(form, null).errors).toEqual({ max_output_tokens: "Less than the context window" });
  });

  it("on an edit sends only what changed (a cleared display name goes back to the id)", () => {
    const model = { ...catalogModel("m", ["rd"]), display_name: "Team model" };
    const form = modelForm(model);
    expect(form.display_name).toBe("Team model");
    expect(form.upstream).toBe("");
    expect(modelBody(form, model)).toEqual({ body: {}, errors: null });
    expect(modelBody({ ...form, display_name: "", enabled: false, groups: ["ops", "rd"] }, model).body).toEqual({
      display_name: null,
      enabled: false,
      groups: ["ops", "rd"],
    });
    expect(readOnly(model)).toBe(false);
    expect(readOnly({ source: "file" })).toBe(true);
  });
});

describe("registration", () => {
  it("reads domains typed one a line or with commas, once each", () => {
    expect(parseDomains("Example.com, @corp.example\nexample.com  lab.example.org.")).toEqual({
      domains: ["example.com", "corp.example", "lab.example.org"],
      invalid: [],
    });
    expect(parseDomains("not a domain!").invalid).toEqual(["not", "a", "domain!"]);
  });

  it("will not save a domains policy without a domain", () => {
    expect(policyProblem("domains", parseDomains(""))).toMatch(/at least one domain/);
    expect(policyProblem("open", parseDomains(""))).toBeNull();
    expect(policyProblem("domains", parseDomains("x..y"))).toMatch(/Not a domain/);
  });

  it("makes an invite's link, its body and its state", () => {
    expect(inviteLink("https://chat.example.com/", "a b")).toBe("https://chat.example.com/register?invite=a%20b");
    expect(inviteBody({ note: " Ada ", days: "7", uses: "" })).toEqual({
      body: { note: "Ada", expires_in_days: 7, max_uses: 1 },
      error: null,
    });
    expect(inviteBody({ note: "", days: "0", uses: "1" }).error).toMatch(/1 to 3650/);
    const invite = { id: "i", note: null, expires_at: "2025-01-02T00:00:00Z", max_uses: 2, uses: 1, created_at: "" };
    expect(inviteState(invite, Date.parse("2025-01-01T00:00:00Z"))).toBe("active");
    expect(inviteState(invite, Date.parse("2025-01-03T00:00:00Z"))).toBe("expired");
    expect(inviteState({ ...invite, uses: 2 }, 0)).toBe("used_up");
  });
});

describe("audit filters", () => {
  it("sends local times as RFC 3339 instants and refuses a range the wrong way round", () => {
    expect(instantOf("")).toBe("");
    expect(instantOf("2025-03-01T14:30", () => new Date(Date.UTC(2025, 2, 1, 13, 30)))).toBe("2025-03-01T13:30:00.000Z");
    expect(instantOf("nonsense")).toBeNull();
    const form = { ...NO_FILTERS, actor: " ada@x.org ", since: "2025-03-02T00:00", until: "2025-03-01T00:00" };
    expect(auditFilters(form).error).toMatch(/before/);
    expect(auditFilters({ ...form, until: "" }).filters).toMatchObject({ actor: "ada@x.org", until: "" });
  });

  it("shows who did what to what, the system when nobody did", () => {
    const event: AuditEvent = {
      id: 1,
      at: "2025-01-01T00:00:00Z",
      kind: "user.role_changed",
      actor_id: null,
      actor_email: null,
      target_type: "user",
      target_id: "u1",
      target_label: "ada@x.org",
      client_ip: null,
      user_agent: null,
      detail: { reason: "ADMIN_EMAILS", to: { role: "admin" } },
    };
    expect(actorLabel(event)).toBe("system");
    expect(targetLabel(event)).toEqual({ name: "user ada@x.org", id: "u1" });
    expect(targetLabel({ ...event, target_label: null })).toEqual({ name: "user u1", id: null });
    expect(targetLabel({ ...event, target_type: null, target_id: null, target_label: null })).toEqual({ name: "", id: null });
    expect(detailPairs(event.detail)).toEqual(["reason: ADMIN_EMAILS", 'to: {"role":"admin"}']);
  });
});
