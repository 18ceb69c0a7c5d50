import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { currentUser } from "../../session";
import { Toasts } from "../../ui/toast";
import { resetEngagement } from "./engagement";
import { json, retweetOf, tweet } from "./fixtures";
import { TweetCard } from "./TweetCard";

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

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

describe("optimistic likes", () => {
  it("counts a like at once and rolls it back with a message when the API refuses it", async () => {
    // Given a tweet liked 3 times, and an API that will fail the like
    const answer = deferred<Response>();
    const fetch = vi.fn(() => answer.promise);
    vi.stubGlobal("fetch", fetch);
    render(
      <>
        <TweetCard tweet={tweet("1")} />
        <Toasts />
      </>,
    );
    const like = screen.getByRole("button", { name: "Like" });
    expect(like.getAttribute("aria-pressed")).toBe("false");

    // When the reader likes it
    fireEvent.click(like);

    // Then the count and the button change before the API answers
    expect(screen.getByTestId("like-count").textContent).toBe("4");
    expect(like.getAttribute("aria-pressed")).toBe("true");
    expect(fetch).toHaveBeenCalledWith("/api/tweets/1/like", expect.objectContaining({ method: "POST" }));

    // And when the API fails, they go back and the reader is told
    answer.resolve(json(500, { error: { code: "internal", message: "boom" } }));
    await waitFor(() => expect(screen.getByTestId("like-count").textContent).toBe("3"));
    expect(like.getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("alert").textContent).toContain("Your like couldn't be saved.");
  });

  it("keeps the same tweet consistent where it shows twice (itself and a retweet of it)", async () => {
    // Given the original and someone's retweet of it on the same page
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: { liked: true } })));
    const original = tweet("1");
    render(
      <>
        <TweetCard tweet={original} />
        <TweetCard tweet={retweetOf("2", original)} />
      </>,
    );
    const [first, second] = screen.getAllByTestId("tweet");
    expect(within(second).getByText("Bob retweeted")).toBeTruthy();

    // When the reader likes the retweet (which likes the original)
    fireEvent.click(within(second).getByRole("button", { name: "Like" }));

    // Then both cards show the like
    await waitFor(() => expect(within(first).getByTestId("like-count").textContent).toBe("4"));
    expect(within(first).getByRole("button", { name: "Like" }).getAttribute("aria-pressed")).toBe("true");
    expect(within(second).getByTestId("like-count").textContent).toBe("4");
  });

  it("rolls back a retweet the API refuses", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(429, { error: { code: "rate_limited", message: "slow down" } })));
    render(<TweetCard tweet={tweet("1")} />);
    const retweet = screen.getByRole("button", { name: "Retweet" });
    fireEvent.click(retweet);
    expect(screen.getByTestId("retweet-count").textContent).toBe("2");
    await waitFor(() => expect(screen.getByTestId("retweet-count").textContent).toBe("1"));
    expect(retweet.getAttribute("aria-pressed")).toBe("false");
  });
});
