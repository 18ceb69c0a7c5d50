import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { locale } from "../../i18n";
import { path } from "../../router";
import { currentUser } from "../../session";
import { NotificationSettings, SettingsPage } from "./SettingsPage";

const ALL_ON = { follow: true, like: true, retweet: true, quote: true, reply: true, mention: true };

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

beforeEach(() => {
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
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  locale.value = "en";
});

describe("notification switches", () => {
  it("turn off at once, and back on with a message when the API refuses", async () => {
    // Given every switch on, and an API that refuses the change (a rate limit)
    let patches = 0;
    let release: () => void = () => undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        if (init?.method === "PATCH") {
          patches += 1;
          await new Promise<void>((resolve) => (release = resolve));
          return new Response(JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }), {
            status: 429,
            headers: { "Content-Type": "application/json", "Retry-After": "7" },
          });
        }
        return json(200, { data: ALL_ON });
      }),
    );
    render(<NotificationSettings />);
    const likes = (await screen.findByRole("checkbox", { name: "Likes my tweet" })) as HTMLInputElement;
    expect(likes.checked).toBe(true);

    // When it is switched off
    fireEvent.click(likes);

    // Then it is off at once, while the API answers
    await waitFor(() => expect(patches).toBe(1));
    expect((screen.getByRole("checkbox", { name: "Likes my tweet" }) as HTMLInputElement).checked).toBe(false);

    // And when the API refuses, it is on again
    release();
    await waitFor(() => expect((screen.getByRole("checkbox", { name: "Likes my tweet" }) as HTMLInputElement).checked).toBe(true));
  });

  it("keep the state the API answers", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        if (init?.method === "PATCH") {
          bodies.push(JSON.parse(String(init.body)));
          return json(200, { data: { ...ALL_ON, mention: false } });
        }
        return json(200, { data: ALL_ON });
      }),
    );
    render(<NotificationSettings />);
    fireEvent.click(await screen.findByRole("checkbox", { name: "Mentions me" }));
    await waitFor(() => expect(bodies).toEqual([{ mention: false }]));
    expect((screen.getByRole("checkbox", { name: "Mentions me" }) as HTMLInputElement).checked).toBe(false);
  });
});

describe("SettingsPage", () => {
  it("switches the language", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: [], meta: { next_cursor: null } })));
    render(<SettingsPage />);
    fireEvent.change(screen.getByRole("combobox", { name: "Language" }), { target: { value: "fr" } });
    await waitFor(() => expect(locale.value).toBe("fr"));
    expect(document.documentElement.lang).toBe("fr");
  });

  it("deletes the account with its password, then signs out to the home page", async () => {
    // Given the settings page
    const deletes: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input) === "/api/users/me" && init?.method === "DELETE") {
          deletes.push(JSON.parse(String(init.body)));
          return json(202, { data: { id: "10", state: "erasing" } });
        }
        if (String(input).startsWith("/api/users/me/export")) return json(404, { error: { code: "not_found", message: "none" } });
        return json(200, { data: [], meta: { next_cursor: null } });
      }),
    );
    history.replaceState(null, "", "/settings");
    path.value = "/settings";
    render(<SettingsPage />);

    // When "Delete account" is chosen, the password typed, and "Delete my account" pressed
    fireEvent.click(screen.getByRole("button", { name: "Delete account" }));
    fireEvent.input(await screen.findByLabelText("Password"), { target: { value: "correct horse" } });
    fireEvent.click(screen.getByRole("button", { name: "Delete my account" }));

    // Then the API was asked with the password, and the person is signed out, at the home page
    await waitFor(() => expect(deletes).toEqual([{ password: "correct horse" }]));
    await waitFor(() => expect(currentUser.value).toBeNull());
    expect(path.value).toBe("/");
  });
});
