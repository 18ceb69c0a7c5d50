import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { User } from "../../api/types";
import { has, loadRelations, resetRelations, setRelation } from "./relations";

const ME: User = {
  id: "10",
  username: "ada",
  name: "Ada",
  description: "",
  location: "",
  url: "",
  created_at: "2026-01-01T00:00:00.000Z",
  public_metrics: { followers_count: 0, following_count: 1, tweet_count: 0, like_count: 0 },
};

function page(ids: string[]): Response {
  const data = ids.map((id) => ({ ...ME, id, username: `u${id}` }));
  return new Response(JSON.stringify({ data, meta: { next_cursor: null } }), {
    status: 200,
    headers: { "Content-Type": "application/json" },
  });
}

beforeEach(() => resetRelations());
afterEach(() => vi.unstubAllGlobals());

describe("relations", () => {
  it("keeps a block made while the lists are read, though the lists were read before it", async () => {
    // Given the reader's lists are being read (they follow 20 and block nobody), answered only when released
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (init?.method === "POST") return new Response(null, { status: 204 });
        await held;
        return page(url.includes("/following") ? ["20"] : []);
      }),
    );
    const loaded = loadRelations(ME);
    // When they block 20 before the lists arrive, and the lists then arrive
    await setRelation("blocking", "20", true);
    release();
    await loaded;
    // Then 20 stays blocked and unfollowed (the block ends the follow), as the API has it
    expect(has("blocking", "20")).toBe(true);
    expect(has("following", "20")).toBe(false);
  });

  it("forgets a change the API refused, once the lists arrive", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init?: RequestInit) => {
        if (init?.method === "POST") {
          return new Response(JSON.stringify({ error: { code: "x", message: "no" } }), { status: 500 });
        }
        await held;
        return page([]);
      }),
    );
    const loaded = loadRelations(ME);
    await expect(setRelation("muting", "30", true)).rejects.toThrow();
    release();
    await loaded;
    expect(has("muting", "30")).toBe(false);
  });
});
