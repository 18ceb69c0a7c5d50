import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { path, query } from "../../router";
import { tweet } from "../timeline/fixtures";
import { SearchPage } from "./SearchPage";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

function at(url: string): void {
  history.replaceState(null, "", url);
  path.value = location.pathname;
  query.value = new URLSearchParams(location.search);
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("SearchPage", () => {
  it("says a busy search is busy, and finds the tweets when tried again", async () => {
    // Given a search backend that is busy once, then answers
    let calls = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url.startsWith("/api/search/tweets")) {
          calls += 1;
          if (calls === 1) return json(503, { error: { code: "unavailable", message: "search is unavailable" } }, { "Retry-After": "3" });
          return json(200, { data: [tweet("1", { text: "serverless is fun" })], meta: { next_cursor: null } });
        }
        return json(200, { data: [], meta: { next_cursor: null } });
      }),
    );
    at("/search?q=serverless");

    // When the page opens: a message that says so, with when to retry, and a button
    render(<SearchPage />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Search is busy right now.");
    expect(alert.textContent).toContain("Try again in 3 seconds.");

    // And Try again finds the tweet, in the "Search results" feed
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    const feed = await screen.findByRole("feed", { name: "Search results" });
    await waitFor(() => expect(feed.querySelectorAll('[data-testid="tweet"]')).toHaveLength(1));
    expect(calls).toBe(2);
  });

  it("shows the API's explanation of a query it cannot read", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json(400, { error: { code: "invalid_query", message: "q: an unclosed quote" } })),
    );
    at('/search?q="cold');
    render(<SearchPage />);
    expect((await screen.findByRole("alert")).textContent).toContain("q: an unclosed quote");
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
  });

  it("lists people with the People tab", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) =>
        String(input).startsWith("/api/search/users?q=ada")
          ? json(200, {
              data: [{ id: "1", username: "ada", name: "Ada", description: "", location: "", url: "", created_at: "2026-01-01T00:00:00Z", public_metrics: { followers_count: 0, following_count: 0, tweet_count: 0, like_count: 0 } }],
              meta: { next_cursor: null },
            })
          : json(200, { data: [], meta: { next_cursor: null } }),
      ),
    );
    at("/search?q=ada&type=users");
    render(<SearchPage />);
    expect(await screen.findByTestId("user-row")).toBeTruthy();
    expect(screen.getByRole("tab", { name: "People" }).getAttribute("aria-selected")).toBe("true");
  });
});
