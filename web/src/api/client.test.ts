import { afterEach, describe, expect, it, vi } from "vitest";
import { errorMessage } from "../ui/errors";
import { ApiError, api, withQuery } from "./client";

afterEach(() => vi.unstubAllGlobals());

function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers });
}

describe("api client", () => {
  it("builds query strings without empty values", () => {
    expect(withQuery("/api/search", { q: "#a b", cursor: undefined, limit: 20, type: "" })).toBe(
      "/api/search?q=%23a+b&limit=20",
    );
  });

  it("throws the API's error code and message, and a rate limit's Retry-After in words", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => reply(429, { error: { code: "rate_limited", message: "posting: 300 per 3h" } }, { "Retry-After": "42" })),
    );
    const failure = await api.post("/api/tweets", { text: "hi" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe("rate_limited");
    expect((failure as ApiError).retryAfter).toBe(42);
    expect(errorMessage(failure)).toBe("Too many requests. Try again in 42 seconds.");
  });

  it("shows a rule the API names in its own words", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => reply(422, { error: { code: "invalid", message: "text: at most 280 characters" } })));
    const failure = await api.post("/api/tweets", { text: "x" }).catch((error: unknown) => error);
    expect(errorMessage(failure)).toBe("text: at most 280 characters");
  });

  it("reads a gateway's own error body and a network failure", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => reply(404, { message: "Not Found" })));
    const missing = (await api.get("/api/nope").catch((error: unknown) => error)) as ApiError;
    expect([missing.status, missing.code, missing.message]).toEqual([404, "http_404", "Not Found"]);
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const offline = await api.get("/api/health").catch((error: unknown) => error);
    expect(errorMessage(offline)).toMatch(/can't be reached/);
  });

  it("answers null for a 204", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => reply(204, null)));
    expect(await api.del("/api/tweets/1/like")).toBeNull();
  });
});
