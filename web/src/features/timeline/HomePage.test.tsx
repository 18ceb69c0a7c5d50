import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Page, Tweet } from "../../api/types";
import { newTweets } from "../../live";
import { currentUser } from "../../session";
import { resetEngagement } from "./engagement";
import { json, tweet } from "./fixtures";
import { HomePage } from "./HomePage";

beforeEach(() => {
  resetEngagement();
  currentUser.value = {
    id: "30",
    username: "cy",
    name: "Cy",
    description: "",
    location: "",
    url: "",
    created_at: "2026-01-01T00:00:00.000Z",
    public_metrics: { followers_count: 0, following_count: 0, tweet_count: 0, like_count: 0 },
  };
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ids = () => screen.getAllByTestId("tweet").map((article) => article.getAttribute("data-tweet-id"));

describe("HomePage's new tweets bar", () => {
  it("shows the count pushed over the WebSocket and puts the new entries on top when clicked", async () => {
    // Given a home timeline of two tweets
    let page: Page<Tweet> = { data: [tweet("2"), tweet("1")], meta: { next_cursor: null } };
    vi.stubGlobal("fetch", vi.fn(async () => json(200, page)));
    render(<HomePage />);
    await waitFor(() => expect(ids()).toEqual(["2", "1"]));
    expect(screen.queryByTestId("new-tweets-bar")).toBeNull();

    // When the socket says two entries landed (and the timeline now starts with them)
    page = { data: [tweet("4"), tweet("3"), tweet("2"), tweet("1")], meta: { next_cursor: "c" } };
    newTweets.value = { count: 2, newestId: "4" };

    // Then the bar offers them, and a click puts them on top once, the bar gone, the news announced
    const bar = await screen.findByRole("button", { name: "Show 2 new tweets" });
    expect(bar.getAttribute("data-testid")).toBe("new-tweets-bar");
    fireEvent.click(bar);
    await waitFor(() => expect(ids()).toEqual(["4", "3", "2", "1"]));
    expect(screen.queryByTestId("new-tweets-bar")).toBeNull();
    expect(screen.getByText("2 new tweets shown above")).toBeTruthy();
  });

  it("says 'Show 1 new tweet' for one", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: [], meta: { next_cursor: null } })));
    render(<HomePage />);
    newTweets.value = { count: 1, newestId: "9" };
    expect(await screen.findByRole("button", { name: "Show 1 new tweet" })).toBeTruthy();
  });
});
