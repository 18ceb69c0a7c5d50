import { describe, expect, it } from "vitest";
import { matchPath, navigate, path, query } from "./router";

describe("router", () => {
  it("matches patterns and decodes their params", () => {
    expect(matchPath("/u/:username", "/u/ada")).toEqual({ username: "ada" });
    expect(matchPath("/u/:username", "/u/ada/likes")).toBeNull();
    expect(matchPath("/t/:id", "/t/%E2%9C%93")).toEqual({ id: "✓" });
    expect(matchPath("/t/:id", "/t/%E0%A4%A")).toBeNull(); // a malformed escape is no match, not a crash
  });

  it("navigating updates the path and query signals and the history", () => {
    navigate("/search?q=%23chirp&type=users");
    expect(path.value).toBe("/search");
    expect(query.value.get("q")).toBe("#chirp");
    expect(location.pathname).toBe("/search");
  });
});
