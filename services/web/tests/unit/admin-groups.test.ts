import { describe, expect, it } from "vitest";

import { isAdmin, groupsOf, roleOf } from "@/lib/admin/access";
import {
  accessChange,
  groupAccess,
  groupLabel,
  membershipChange,
  modelsForGroup,
  slugify,
  validateGroupId,
  validateGroupName,
} from "@/lib/admin/groups";
import { countLabel, pagedItems, withItem, withoutItem } from "@/lib/admin/pages";

import { catalogModel } from "./fake-admin";

describe("who gets the console", () => {
  it("admins by role, and by the superuser flag of an auth service without roles", () => {
    expect(isAdmin({ role: "admin" })).toBe(true);
    expect(isAdmin({ role: "member", is_superuser: true })).toBe(false);
    expect(isAdmin({ is_superuser: true })).toBe(true);
    expect(isAdmin({})).toBe(false);
    expect(isAdmin(null)).toBe(false);
    expect(roleOf({})).toBe("member");
    expect(groupsOf({ groups: ["b", "a"] })).toEqual(["a", "b"]);
    expect(groupsOf({})).toEqual([]);
  });
});

describe("groups", () => {
  it("makes a slug from a name, within the id rule", () => {
    expect(slugify("Research & Development")).toBe("research-development");
    expect(slugify("  Équipe Été ")).toBe("equipe-ete");
    expect(slugify("--Ops_Team--")).toBe("ops_team");
    expect(slugify("!!!")).toBe("");
    expect(slugify("x".repeat(80))).toHaveLength(64);
    expect(validateGroupId(slugify("Research & Development"))).toBeNull();
  });

  it("refuses ids the server would refuse, and empty or long names", () => {
    expect(validateGroupId("")).toMatch(/Enter/);
    expect(validateGroupId("Research")).toMatch(/Lower-case/);
    expect(validateGroupId("-ops")).toMatch(/Lower-case/);
    expect(validateGroupId("a".repeat(65))).toMatch(/Lower-case/);
    expect(validateGroupId("a".repeat(64))).toBeNull();
    expect(validateGroupName("  ")).toMatch(/Enter/);
    expect(validateGroupName("x".repeat(101))).toMatch(/100/);
  });

  it("names a group by its display name, or its slug when unknown", () => {
    const groups = [{ id: "rd", name: "R&D", members: 1, created_at: "" }];
    expect(groupLabel(groups, "rd")).toBe("R&D");
    expect(groupLabel(groups, "from-sso")).toBe("from-sso");
  });

  it("turns a user's edited groups into the memberships to add and to remove", () => {
    expect(membershipChange(["a", "b"], ["b", "c", "d"])).toEqual({ add: ["c", "d"], remove: ["a"] });
    expect(membershipChange(["a"], ["a"])).toEqual({ add: [], remove: [] });
  });
});

describe("which models a group may use", () => {
  it("tells open models from allowed and not allowed ones", () => {
    expect(groupAccess(catalogModel("open"), "rd")).toBe("everyone");
    expect(groupAccess(catalogModel("m", ["rd"]), "rd")).toBe("allowed");
    expect(groupAccess(catalogModel("m", ["ops"]), "rd")).toBe("not_allowed");
    const { allowed, everyone } = modelsForGroup([catalogModel("open"), catalogModel("m", ["rd"]), catalogModel("n", ["ops"])], "rd");
    expect(allowed.map((m) => m.id)).toEqual(["m"]);
    expect(everyone.map((m) => m.id)).toEqual(["open"]);
  });

  it("allowing a group adds it, and warns when that restricts an open model", () => {
    expect(accessChange(catalogModel("m", ["ops"]), "rd", true)).toEqual({ groups: ["ops", "rd"], effect: "plain" });
    expect(accessChange(catalogModel("open"), "rd", true)).toEqual({ groups: ["rd"], effect: "restricts" });
    expect(accessChange(catalogModel("m", ["rd"]), "rd", true)).toEqual({ groups: ["rd"], effect: "none" });
  });

  it("taking a group away removes it, and warns when that opens the model to everyone", () => {
    expect(accessChange(catalogModel("m", ["ops", "rd"]), "rd", false)).toEqual({ groups: ["ops"], effect: "plain" });
    expect(accessChange(catalogModel("m", ["rd"]), "rd", false)).toEqual({ groups: [], effect: "opens" });
    expect(accessChange(catalogModel("m", ["ops"]), "rd", false)).toEqual({ groups: ["ops"], effect: "none" });
  });
});

describe("pages", () => {
  it("shows every loaded item once, in order", () => {
    const pages = [
      { items: [{ id: "a" }, { id: "b" }], next_cursor: "b" },
      { items: [{ id: "b" }, { id: "c" }], next_cursor: null },
    ];
    expect(pagedItems(pages).map((i) => i.id)).toEqual(["a", "b", "c"]);
    expect(pagedItems(undefined)).toEqual([]);
  });

  it("puts a changed row in place and takes a deleted one out, leaving the cursors", () => {
    const data = {
      pages: [
        { items: [{ id: "a", v: 1 }], next_cursor: "a" },
        { items: [{ id: "b", v: 1 }], next_cursor: null },
      ],
      pageParams: [null, "a"],
    };
    expect(withItem(data, { id: "b", v: 2 })!.pages[1]!.items).toEqual([{ id: "b", v: 2 }]);
    expect(withItem(data, { id: "b", v: 2 })!.pageParams).toEqual([null, "a"]);
    expect(withoutItem(data, "a")!.pages.map((p) => p.items.length)).toEqual([0, 1]);
    expect(withItem(undefined, { id: "a", v: 1 })).toBeUndefined();
  });

  it("counts what is shown against the total when the server counts", () => {
    expect(countLabel(50, 120, ["user", "users"])).toBe("50 of 120 users");
    expect(countLabel(1, 1, ["user", "users"])).toBe("1 user");
    expect(countLabel(50, null, ["user", "users"])).toBe("50 users shown");
  });
});
