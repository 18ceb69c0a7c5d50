import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Notification } from "../../api/types";
import { locale } from "../../i18n";
import { receive, unreadCount } from "../../live";
import { tweet } from "../timeline/fixtures";
import { notificationSentence } from "./messages";
import { NotificationsPage, merged } from "./NotificationsPage";

const people = ["Ada", "Bob", "Cy"].map((name, index) => ({ id: String(index + 1), username: name.toLowerCase(), name }));

function group(id: string, change: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: "like",
    count: 1,
    actors: people.slice(0, 1),
    tweet: tweet("100", { text: "my first chirp" }),
    updated_at: "2026-11-28T12:00:00.000Z",
    read: false,
    ...change,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  locale.value = "en";
});

describe("a notification's sentence", () => {
  it.each([
    [1, 1, "Ada liked your tweet"],
    [2, 2, "Ada and Bob liked your tweet"],
    [3, 3, "Ada, Bob and Cy liked your tweet"],
    [14, 3, "Ada, Bob and 12 others liked your tweet"],
    [4, 3, "Ada, Bob and 2 others liked your tweet"],
    [3, 2, "Ada, Bob and 1 other liked your tweet"],
  ])("in English: %i people, %i named", (count, named, expected) => {
    expect(notificationSentence({ kind: "like", count, actors: people.slice(0, named) })).toBe(expected);
  });

  it.each([
    ["like", 1, "Ada a aimé votre tweet"],
    ["like", 14, "Ada, Bob et 12 autres personnes ont aimé votre tweet"],
    ["retweet", 2, "Ada et Bob ont retweeté votre tweet"],
    ["follow", 1, "Ada s'est abonné à vous"],
    ["follow", 4, "Ada, Bob et 2 autres personnes se sont abonnés à vous"],
    ["mention", 1, "Ada vous a mentionné"],
  ] as const)("in French: %s by %i", (kind, count, expected) => {
    locale.value = "fr";
    expect(notificationSentence({ kind, count, actors: people.slice(0, Math.min(3, count)) })).toBe(expected);
  });

  it("in Arabic: verb first, names isolated from the right-to-left text", () => {
    locale.value = "ar";
    expect(notificationSentence({ kind: "follow", count: 2, actors: people.slice(0, 2) })).toBe("تابعك \u2068Ada\u2069 و\u2068Bob\u2069");
  });
});

describe("NotificationsPage", () => {
  beforeEach(() => {
    unreadCount.value = 0;
  });

  it("shows each group as a sentence with its tweet, marks unread ones, and reads up to the newest shown", async () => {
    // Given two notifications, the newest unread
    const posted: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        if (url.startsWith("/api/notifications?"))
          return json(200, {
            data: [
              group("n2", { count: 14, actors: people, read: false }),
              group("n1", { kind: "follow", tweet: null, actors: people.slice(1, 2), read: true }),
            ],
            meta: { next_cursor: null },
          });
        if (url === "/api/notifications/read") {
          posted.push(JSON.parse(String(init?.body)));
          return json(200, { data: { unread_count: 0 } });
        }
        return json(404, { error: { code: "not_found", message: "no" } });
      }),
    );
    unreadCount.value = 1;

    // When the page opens
    render(<NotificationsPage />);

    // Then each is an article with its sentence, the unread one marked, the tweet's text beside it
    const items = await screen.findAllByTestId("notification");
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain("Ada, Bob and 12 others liked your tweet");
    expect(items[0].textContent).toContain("my first chirp");
    expect(items[0].classList.contains("is-unread")).toBe(true);
    expect(items[1].textContent).toContain("Bob followed you");
    expect(items[1].classList.contains("is-unread")).toBe(false);
    // And what is shown is read up to the newest, which clears the badge
    await waitFor(() => expect(posted).toEqual([{ up_to_id: "n2" }]));
    await waitFor(() => expect(unreadCount.value).toBe(0));
  });

  it("puts a live notification on top, replacing the group it grew", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url.startsWith("/api/notifications?"))
          return json(200, { data: [group("n2", { read: true }), group("n1", { read: true })], meta: { next_cursor: null } });
        if (url === "/api/tweets/100") return json(200, { data: tweet("100", { text: "my first chirp" }) });
        return json(200, { data: { unread_count: 0 } });
      }),
    );
    render(<NotificationsPage />);
    await screen.findAllByTestId("notification");

    // When the socket says n1 now has three people
    receive(
      JSON.stringify({
        type: "notification",
        unread_count: 1,
        data: { id: "n1", kind: "like", count: 3, actors: people, tweet_id: "100", about_tweet_id: null, updated_at_ms: Date.now(), read: false },
      }),
    );

    // Then n1 is first, with its new sentence, and still two items; the badge took the pushed count
    await waitFor(() => expect(screen.getAllByTestId("notification")[0].textContent).toContain("Ada, Bob and Cy liked your tweet"));
    expect(screen.getAllByTestId("notification")).toHaveLength(2);
    expect(unreadCount.value).toBe(1);
  });

  it("Mark all as read posts {} and clears the marks", async () => {
    const posted: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        if (url.startsWith("/api/notifications?")) return json(200, { data: [group("n1")], meta: { next_cursor: null } });
        posted.push(JSON.parse(String(init?.body)));
        return json(200, { data: { unread_count: 0 } });
      }),
    );
    render(<NotificationsPage />);
    await screen.findAllByTestId("notification");
    await waitFor(() => expect(posted).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Mark all as read" }));
    await waitFor(() => expect(posted).toEqual([{ up_to_id: "n1" }, {}]));
    await waitFor(() => expect(screen.getByTestId("notification").classList.contains("is-unread")).toBe(false));
  });
});

describe("merged", () => {
  it("puts the changed group first, once", () => {
    const list = [group("a"), group("b"), group("c")];
    expect(merged(list, group("c", { count: 2 })).map((item) => `${item.id}${item.count}`)).toEqual(["c2", "a1", "b1"]);
  });
});
