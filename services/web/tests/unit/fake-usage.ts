/**
 * Chat's usage routes as the contract describes them, in memory: budgets upserted by (scope,
 * scope_id, period) with chat's checks (422), deleted by id (404 unknown), admins only (403),
 * and the usage table as JSON or as a CSV attachment.
 */
import type { AdminUsage, Budget, BudgetBody, UsageReport } from "@/lib/usage/types";

import { FakeServer, json, type Recorded } from "./fake-server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GROUP = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class FakeUsageServer extends FakeServer {
  budgets: Budget[] = [];
  /** Whether the token's user is an admin. */
  admin = true;
  report: UsageReport | null = null;
  table: AdminUsage | null = null;
  private counter = 0;

  constructor() {
    super();
    this.on("GET", "/api/usage", (r) => {
      const days = Number(new URL(r.path, "http://parley.test").searchParams.get("days"));
      if (!Number.isInteger(days) || days < 1 || days > 366) return json(422, { detail: [{ loc: ["query", "days"], msg: "bad days" }] });
      return json(200, this.report);
    });
    this.on("GET", "/api/admin/budgets", () => this.guard() ?? json(200, { budgets: this.budgets }));
    this.on("PUT", "/api/admin/budgets", (r) => this.guard() ?? this.put(r));
    this.on("DELETE", /^\/api\/admin\/budgets\/[^/]+$/, (r) => {
      const refused = this.guard();
      if (refused) return refused;
      const before = this.budgets.length;
      this.budgets = this.budgets.filter((b) => !r.path.endsWith(`/${b.id}`));
      return before === this.budgets.length ? json(404, { detail: "budget not found" }) : new Response(null, { status: 204 });
    });
    this.on("GET", "/api/admin/usage", (r) => this.guard() ?? this.usage(r));
  }

  private guard(): Response | null {
    return this.admin ? null : json(403, { detail: "Forbidden" });
  }

  private put(r: Recorded): Response {
    const body = JSON.parse(r.body ?? "{}") as BudgetBody & { max_cost?: string | number };
    const bad = (msg: string) => json(422, { detail: [{ loc: ["body"], msg }] });
    if ((body.scope === "everyone") !== (body.scope_id === "")) return bad("scope_id is empty for everyone only");
    if (body.scope === "user" && !UUID.test(body.scope_id)) return bad("user ids are uuids");
    if (body.scope === "group" && !GROUP.test(body.scope_id)) return bad("bad group id");
    if (body.max_tokens === undefined && body.max_cost === undefined) return bad("set max_tokens or max_cost");
    const found = this.budgets.find((b) => b.scope === body.scope && b.scope_id === body.scope_id && b.period === body.period);
    const maxCost = body.max_cost === undefined ? null : Number(body.max_cost);
    const budget: Budget = {
      id: found?.id ?? `00000000-0000-4000-8000-${String(++this.counter).padStart(12, "0")}`,
      scope: body.scope,
      scope_id: body.scope_id,
      period: body.period,
      max_tokens: body.max_tokens ?? null,
      max_cost: maxCost,
      used_tokens: 0,
      used_cost: 0,
      held_tokens: 0,
      held_cost: 0,
      remaining_tokens: body.max_tokens ?? null,
      remaining_cost: maxCost,
      resets_at: body.period === "day" ? "2026-06-02T00:00:00Z" : "2026-07-01T00:00:00Z",
    };
    this.budgets = found ? this.budgets.map((b) => (b === found ? budget : b)) : [...this.budgets, budget];
    return json(200, budget);
  }

  private usage(r: Recorded): Response {
    const params = new URL(r.path, "http://parley.test").searchParams;
    const by = params.get("by") ?? "user";
    const since = params.get("since") ?? "";
    const until = params.get("until") ?? "";
    if (!["user", "group", "model", "day"].includes(by) || !DAY.test(since) || !DAY.test(until) || since > until) {
      return json(422, { detail: "bad range" });
    }
    const table = { ...this.table!, by, since, until } as AdminUsage;
    if (params.get("format") !== "csv") return json(200, table);
    const lines = [`${by},input_tokens,output_tokens,tokens,cost,calls,estimated_calls`];
    for (const row of table.rows) {
      lines.push([row.key, row.input_tokens, row.output_tokens, row.tokens, row.cost.toFixed(9), row.calls, row.estimated_calls].join(","));
    }
    return new Response(`${lines.join("\r\n")}\r\n`, {
      status: 200,
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="parley-usage-${by}-${since}-${until}.csv"`,
      },
    });
  }
}
