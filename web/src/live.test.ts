import { beforeEach, describe, expect, it } from "vitest";
import type { LiveNotification } from "./api/types";
import { clearNewTweets, newTweets, onNotification, receive, unreadCount } from "./live";

describe("live messages", () => {
  beforeEach(() => clearNewTweets());

  it("adds up home timeline news until the bar is clicked", () => {
    receive(JSON.stringify({ type: "home_timeline", data: { count: 2, newest_id: "10" } }));
    receive(JSON.stringify({ type: "home_timeline", data: { count: 1, newest_id: "12" } }));
    expect(newTweets.value).toEqual({ count: 3, newestId: "12" });
    clearNewTweets();
    expect(newTweets.value.count).toBe(0);
  });

  it("sets the unread badge and tells listeners of a notification", () => {
    const seen: LiveNotification[] = [];
    const stop = onNotification((notification) => seen.push(notification));
    receive(JSON.stringify({ type: "notification", data: { id: "n1", kind: "like", count: 1, actors: [] }, unread_count: 4 }));
    stop();
    receive(JSON.stringify({ type: "notification", data: { id: "n2", kind: "like", count: 1, actors: [] }, unread_count: 5 }));
    expect(unreadCount.value).toBe(5);
    expect(seen.map((notification) => notification.id)).toEqual(["n1"]);
  });

  it("ignores frames that are not JSON", () => {
    receive("not json");
    expect(newTweets.value.count).toBe(0);
  });
});
