import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Page, Tweet } from "../../api/types";
import { resetEngagement } from "./engagement";
import { retweetOf, tweet } from "./fixtures";
import { TweetList } from "./TweetList";

beforeEach(() => resetEngagement());
afterEach(cleanup);

const shownIds = () => screen.getAllByTestId("tweet").map((article) => article.getAttribute("data-tweet-id"));

describe("TweetList", () => {
  it("shows an original once when a later page brings it again through another entry", async () => {
    // Given a timeline whose second page holds a retweet of an original its first page showed
    const original = tweet("100");
    const pages: Record<string, Page<Tweet>> = {
      first: { data: [original, tweet("99")], meta: { next_cursor: "p2" } },
      p2: { data: [retweetOf("98", original), tweet("97"), tweet("99")], meta: { next_cursor: null } },
    };
    const load = vi.fn(async (cursor?: string) => pages[cursor ?? "first"]);
    render(<TweetList load={load} label="Home timeline" />);
    await waitFor(() => expect(shownIds()).toEqual(["100", "99"]));
    expect(screen.getByRole("feed", { name: "Home timeline" })).toBeTruthy();

    // When the next page is read
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));

    // Then the retweet of the original shown already (and the repeated entry) are dropped
    await waitFor(() => expect(shownIds()).toEqual(["100", "99", "97"]));
    expect(load).toHaveBeenLastCalledWith("p2");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("shows a failed page with a Retry button that reads it again", async () => {
    let fail = true;
    const load = vi.fn(async () => {
      if (fail) throw new Error("offline");
      return { data: [tweet("5")], meta: { next_cursor: null } } as Page<Tweet>;
    });
    render(<TweetList load={load} label="Tweets" />);
    const retry = await screen.findByRole("button", { name: "Retry" });
    expect(screen.getByRole("alert").textContent).toContain("Tweets couldn't be loaded.");
    fail = false;
    fireEvent.click(retry);
    await waitFor(() => expect(shownIds()).toEqual(["5"]));
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
