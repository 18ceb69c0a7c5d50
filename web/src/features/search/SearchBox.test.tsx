import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { User } from "../../api/types";
import { path, query } from "../../router";
import { SearchBox } from "./SearchBox";

function user(id: string, username: string): User {
  return {
    id,
    username,
    name: username.toUpperCase(),
    description: "",
    location: "",
    url: "",
    created_at: "2026-01-01T00:00:00.000Z",
    public_metrics: { followers_count: 0, following_count: 0, tweet_count: 0, like_count: 0 },
  };
}

function page(users: User[]): Response {
  return new Response(JSON.stringify({ data: users, meta: { next_cursor: null } }), {
    status: 200,
    headers: { "Content-Type": "application/json" },
  });
}

const label = (option: HTMLElement) => option.querySelector(".search-option-text")?.textContent;

/** A fetch whose answers the test releases, one per prefix asked. */
function controlledFetch() {
  const pending = new Map<string, (response: Response) => void>();
  const asked: string[] = [];
  const fetch = vi.fn((input: RequestInfo | URL) => {
    const q = new URL(String(input), "http://chirp.test").searchParams.get("q") ?? "";
    asked.push(q);
    return new Promise<Response>((resolve) => pending.set(q, resolve));
  });
  return { fetch, asked, answer: (q: string, users: User[]) => pending.get(q)?.(page(users)) };
}

beforeEach(() => {
  history.replaceState(null, "", "/");
  path.value = "/";
  query.value = new URLSearchParams();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("SearchBox", () => {
  it("lists people as one types and moves through them with the arrow keys; Enter opens the active one", async () => {
    // Given a search box whose autocomplete answers two people
    const server = controlledFetch();
    vi.stubGlobal("fetch", server.fetch);
    render(<SearchBox delayMs={0} />);
    const box = screen.getByRole("combobox", { name: "Search Chirp" });

    // When "ad" is typed and the API answers
    fireEvent.input(box, { target: { value: "ad" } });
    await waitFor(() => expect(server.asked).toEqual(["ad"]));
    server.answer("ad", [user("1", "ada"), user("2", "adam")]);

    // Then a listbox of the two shows, none active yet
    const options = await screen.findAllByRole("option");
    expect(options.map(label)).toEqual(["ADA @ada", "ADAM @adam"]);
    expect(box.getAttribute("aria-expanded")).toBe("true");
    expect(box.getAttribute("aria-activedescendant")).toBeNull();

    // When ArrowDown twice, then ArrowDown again (wraps), then ArrowUp (wraps back)
    fireEvent.keyDown(box, { key: "ArrowDown" });
    await waitFor(() => expect(box.getAttribute("aria-activedescendant")).toBe(options[0].id));
    fireEvent.keyDown(box, { key: "ArrowDown" });
    await waitFor(() => expect(box.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[1].id));
    expect(screen.getAllByRole("option")[1].getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    await waitFor(() => expect(box.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[0].id));
    fireEvent.keyDown(box, { key: "ArrowUp" });
    await waitFor(() => expect(box.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[1].id));

    // And Enter: the active person's profile opens and the list closes
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(path.value).toBe("/u/adam"));
    expect(screen.queryAllByRole("option")).toHaveLength(0);
  });

  it("closes the list on Escape, and Enter on the text searches tweets", async () => {
    const server = controlledFetch();
    vi.stubGlobal("fetch", server.fetch);
    render(<SearchBox delayMs={0} />);
    const box = screen.getByRole("combobox", { name: "Search Chirp" });
    fireEvent.input(box, { target: { value: "ad" } });
    await waitFor(() => expect(server.asked).toEqual(["ad"]));
    server.answer("ad", [user("1", "ada")]);
    await screen.findByRole("option");

    fireEvent.keyDown(box, { key: "Escape" });
    await waitFor(() => expect(screen.queryAllByRole("option")).toHaveLength(0));
    expect(box.getAttribute("aria-expanded")).toBe("false");

    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(path.value).toBe("/search"));
    expect(query.value.get("q")).toBe("ad");
  });

  it("ignores an answer that arrives after a newer question was asked", async () => {
    // Given a box where "a" was asked, then "ad"
    const server = controlledFetch();
    vi.stubGlobal("fetch", server.fetch);
    render(<SearchBox delayMs={0} />);
    const box = screen.getByRole("combobox", { name: "Search Chirp" });
    fireEvent.input(box, { target: { value: "a" } });
    await waitFor(() => expect(server.asked).toEqual(["a"]));
    fireEvent.input(box, { target: { value: "ad" } });
    await waitFor(() => expect(server.asked).toEqual(["a", "ad"]));

    // When "ad"'s answer comes first, then the stale "a"'s
    server.answer("ad", [user("1", "ada")]);
    await screen.findByRole("option");
    server.answer("a", [user("3", "alan"), user("4", "alice")]);
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Then the list still shows "ad"'s people only
    expect(screen.getAllByRole("option").map(label)).toEqual(["ADA @ada"]);
  });

  it("waits for a pause in typing before asking", async () => {
    const server = controlledFetch();
    vi.stubGlobal("fetch", server.fetch);
    render(<SearchBox delayMs={50} />);
    const box = screen.getByRole("combobox", { name: "Search Chirp" });
    for (const value of ["a", "ad", "ada"]) fireEvent.input(box, { target: { value } });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(server.asked).toEqual(["ada"]);
  });
});
