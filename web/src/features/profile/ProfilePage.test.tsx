import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { User } from "../../api/types";
import { currentUser } from "../../session";
import { ProfilePage } from "./ProfilePage";
import { resetRelations } from "./relations";

function user(id: string, username: string, followers = 0): User {
  return {
    id,
    username,
    name: username === "bob" ? "Bob Builder" : "Ada",
    description: "builds things",
    location: "Paris",
    url: "https://example.com",
    created_at: "2026-01-01T00:00:00.000Z",
    public_metrics: { followers_count: followers, following_count: 2, tweet_count: 1234, like_count: 1 },
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const EMPTY = { data: [], meta: { next_cursor: null } };

beforeEach(() => {
  resetRelations();
  currentUser.value = user("10", "ada");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("ProfilePage", () => {
  it("says the account doesn't exist on a 404", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(404, { error: { code: "not_found", message: "no such user" } })));
    render(<ProfilePage username="ghost" tab="tweets" />);
    expect(await screen.findByRole("heading", { name: "This account doesn't exist" })).toBeTruthy();
  });

  it("shows another person's header, counts and tabs, and follows at once, rolled back when the API refuses", async () => {
    // Given bob's profile, whom ada does not follow, and an API that refuses the follow
    let releaseFollow: () => void = () => undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        if (url === "/api/users/by/username/bob") return json(200, { data: user("20", "bob", 41) });
        if (url === "/api/users/20/follow" && init?.method === "POST") {
          await new Promise<void>((resolve) => (releaseFollow = resolve));
          return json(403, { error: { code: "forbidden", message: "blocked" } });
        }
        return json(200, EMPTY);
      }),
    );
    render(<ProfilePage username="bob" tab="tweets" />);

    // Then the header shows who they are
    expect(await screen.findByRole("heading", { level: 1, name: "Bob Builder" })).toBeTruthy();
    expect(screen.getByText("@bob")).toBeTruthy();
    expect(screen.getByTestId("tweets-count").textContent).toBe("1,234 Tweets");
    expect(screen.getByRole("tab", { name: "Tweets" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("button", { name: "Block" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Mute" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Edit profile" })).toBeNull();
    await waitFor(() => expect(screen.getByTestId("followers-count").textContent).toBe("41 Followers"));

    // When Follow is pressed: Unfollow (pressed) and one more follower at once
    fireEvent.click(await screen.findByRole("button", { name: "Follow" }));
    const pressed = await screen.findByRole("button", { name: "Unfollow" });
    expect(pressed.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("followers-count").textContent).toBe("42 Followers");

    // And when the API refuses: back to Follow, and the count as it was
    releaseFollow();
    await screen.findByRole("button", { name: "Follow" });
    expect(screen.getByTestId("followers-count").textContent).toBe("41 Followers");
  });

  it("knows whom the reader follows already, and offers Edit profile on one's own", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url === "/api/users/by/username/bob") return json(200, { data: user("20", "bob", 5) });
        if (url === "/api/users/by/username/ada") return json(200, { data: user("10", "ada") });
        if (url.startsWith("/api/users/10/following")) return json(200, { data: [user("20", "bob")], meta: { next_cursor: null } });
        return json(200, EMPTY);
      }),
    );
    render(<ProfilePage username="bob" tab="likes" />);
    expect(await screen.findByRole("button", { name: "Unfollow" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Likes" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("feed", { name: "Likes" })).toBeTruthy();
    cleanup();

    render(<ProfilePage username="ada" tab="tweets" />);
    expect(await screen.findByRole("button", { name: "Edit profile" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Follow" })).toBeNull();
  });
});
