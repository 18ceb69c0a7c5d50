import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import twitter from "twitter-text";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { currentUser } from "../../session";
import { Composer } from "./Composer";
import { estimateWeightedLength, loadTwitterText, MAX_WEIGHTED_LENGTH } from "./counter";

const SAMPLES = {
  latin: "Hello, Chirp! Plain ASCII text with punctuation.",
  cjk: "今日はいい天気ですね。新しい鳥の巣を見つけた",
  emoji: "Skin tones 👍🏽, a family 👨‍👩‍👧‍👦, flags 🇫🇷🇯🇵 and a heart ❤️",
  url: "Read https://example.com/a/very/long/path/that/goes/on/and/on?query=1 and example.org",
  mixed: "مرحبا #شيرب @ada 日本 🎉 https://chirp.example/t/1",
  long: "a".repeat(270) + " 日本語",
};

beforeAll(async () => {
  await loadTwitterText();
  currentUser.value = {
    id: "10",
    username: "ada",
    name: "Ada",
    description: "",
    location: "",
    url: "",
    created_at: "2026-01-01T00:00:00.000Z",
    public_metrics: { followers_count: 0, following_count: 0, tweet_count: 0, like_count: 0 },
  };
});
afterEach(cleanup);

describe("Composer's counter", () => {
  it.each(Object.entries(SAMPLES))("counts %s text as twitter-text's weighted length", async (_name, text) => {
    // Given the composer, twitter-text loaded
    render(<Composer />);
    const box = screen.getByRole("textbox", { name: "What's happening?" });

    // When the text is typed
    fireEvent.input(box, { target: { value: text } });

    // Then the counter shows what is left of 280 exactly as the server counts it
    const expected = MAX_WEIGHTED_LENGTH - twitter.parseTweet(text).weightedLength;
    await waitFor(() => expect(screen.getByTestId("char-counter").textContent).toBe(new Intl.NumberFormat("en").format(expected)));
  });

  it.each(Object.entries(SAMPLES))("estimates %s text no lower than twitter-text before it loads", (_name, text) => {
    expect(estimateWeightedLength(text)).toBeGreaterThanOrEqual(twitter.parseTweet(text).weightedLength);
  });

  it("disables Post while empty and when over the limit", async () => {
    render(<Composer />);
    const box = screen.getByRole("textbox", { name: "What's happening?" });
    const post = screen.getByRole("button", { name: "Post" }) as HTMLButtonElement;
    expect(post.disabled).toBe(true);
    fireEvent.input(box, { target: { value: "short" } });
    await waitFor(() => expect(post.disabled).toBe(false));
    fireEvent.input(box, { target: { value: "日".repeat(141) } }); // 282 weighted
    await waitFor(() => expect(post.disabled).toBe(true));
    expect(screen.getByTestId("char-counter").textContent).toBe("-2");
  });
});
