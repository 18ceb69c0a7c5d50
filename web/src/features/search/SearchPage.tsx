// Search results: tweets (the query language: README "Search") or people, each tab its own URL
// (/search?q=&type=tweets|users). A busy search backend (503) says so and offers to try again; a query
// the API cannot read (400) shows the API's explanation, which names the problem.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api } from "../../api/client";
import type { Page, Tweet, User } from "../../api/types";
import { query } from "../../router";
import { currentUser } from "../../session";
import { errorMessage } from "../../ui/errors";
import { loadRelations } from "../profile/relations";
import { Tabs } from "../profile/Tabs";
import { UserRow } from "../profile/UserRow";
import { TweetList } from "../timeline/TweetList";
import { t } from "./messages";
import { SearchBox } from "./SearchBox";
import { TrendsPanel } from "./TrendsPanel";

export function searchHref(q: string, type: "tweets" | "users"): string {
  return `/search?${new URLSearchParams({ q, type }).toString()}`;
}

export function SearchPage() {
  const params = query.value;
  const q = (params.get("q") ?? "").trim();
  const type = params.get("type") === "users" ? "users" : "tweets";
  return (
    <div class="search-page">
      <header class="page-header">
        <h1>{t("title")}</h1>
      </header>
      {/* The sidebar (with its own search box and trends) is hidden on narrow screens: these stand in. */}
      <div class="search-page-box">
        <SearchBox key={q} />
      </div>
      {q ? (
        <>
          <Tabs
            prefix="search"
            label={t("searchTabs")}
            current={type}
            tabs={[
              { id: "tweets", href: searchHref(q, "tweets"), label: t("tweets") },
              { id: "users", href: searchHref(q, "users"), label: t("people") },
            ]}
          />
          <div role="tabpanel" id="search-panel" aria-labelledby={`search-tab-${type}`}>
            {type === "users" ? <PeopleResults key={q} q={q} /> : <TweetResults key={q} q={q} />}
          </div>
        </>
      ) : (
        <>
          <p class="notice">{t("emptyQuery")}</p>
          <div class="search-page-trends">
            <TrendsPanel />
          </div>
        </>
      )}
      <OperatorsHint />
    </div>
  );
}

function OperatorsHint() {
  const rows: [string, string][] = [
    ["serverless python", t("opWords")],
    ['"cold start"', t("opPhrase")],
    ["-word", t("opExclude")],
    ["#tag", t("opTag")],
    ["from:ada", t("opFrom")],
    ["to:ada", t("opTo")],
    ["since:2026-11-01", t("opSince")],
    ["has:media", t("opMedia")],
  ];
  return (
    <details class="search-operators">
      <summary>{t("operatorsTitle")}</summary>
      <dl>
        {rows.map(([example, meaning]) => (
          <div key={example}>
            <dt>
              <code dir="ltr">{example}</code>
            </dt>
            <dd>{meaning}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

export function SearchProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const busy = error instanceof ApiError && error.status === 503;
  const unreadable = error instanceof ApiError && error.status === 400;
  return (
    <div class="notice search-problem" role="alert">
      <p>
        {busy ? t("busy") : unreadable ? (error as ApiError).message : errorMessage(error)}
        {busy && error.retryAfter ? ` ${t("retryIn", { seconds: Math.ceil(error.retryAfter) })}` : ""}
      </p>
      {unreadable ? null : (
        <button type="button" onClick={onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

type First<T> = { state: "loading" } | { state: "failed"; error: unknown } | { state: "ready"; page: Page<T> };

function useFirstPage<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const [first, setFirst] = useState<First<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setFirst({ state: "loading" });
    load()
      .then((page) => live && setFirst({ state: "ready", page }))
      .catch((error: unknown) => live && setFirst({ state: "failed", error }));
    return () => {
      live = false;
    };
  }, [...deps, attempt]);
  return { first, retry: () => setAttempt((value) => value + 1), attempt };
}

function TweetResults({ q }: { q: string }) {
  const fetchPage = (cursor?: string) => api.get<Page<Tweet>>("/api/search/tweets", { q, cursor });
  const { first, retry, attempt } = useFirstPage(fetchPage, [q]);
  // The first page was read here (to tell a busy search apart); the list is given it, then reads on.
  const load = useMemo(() => {
    let handed = false;
    return (cursor?: string): Promise<Page<Tweet>> => {
      if (!cursor && !handed && first.state === "ready") {
        handed = true;
        return Promise.resolve(first.page);
      }
      return fetchPage(cursor);
    };
  }, [first]);
  if (first.state === "loading") return <p class="notice" aria-busy="true">…</p>;
  if (first.state === "failed") return <SearchProblem error={first.error} onRetry={retry} />;
  return <TweetList key={`${q}:${attempt}`} load={load} label={t("results")} empty={t("noTweets", { q })} />;
}

function PeopleResults({ q }: { q: string }) {
  const fetchPage = (cursor?: string) => api.get<Page<User>>("/api/search/users", { q: q.replace(/^@/, ""), cursor });
  const { first, retry } = useFirstPage(fetchPage, [q]);
  const me = currentUser.value;
  useEffect(() => {
    if (me) loadRelations(me).catch(() => undefined); // for the Follow buttons' state
  }, [me?.id]);
  const [more, setMore] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  useEffect(() => {
    setMore([]);
    setCursor(first.state === "ready" ? first.page.meta.next_cursor : null);
  }, [first]);
  if (first.state === "loading") return <p class="notice" aria-busy="true">…</p>;
  if (first.state === "failed") return <SearchProblem error={first.error} onRetry={retry} />;
  const users = [...first.page.data, ...more];
  if (users.length === 0) return <p class="notice">{t("noPeople", { q })}</p>;
  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await fetchPage(cursor);
      setMore((current) => [...current, ...page.data]);
      setCursor(page.meta.next_cursor);
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };
  return (
    <>
      <ul class="user-list" aria-label={t("results")}>
        {users.map((user) => (
          <UserRow key={user.id} user={user} />
        ))}
      </ul>
      {moreError ? <SearchProblem error={moreError} onRetry={loadMore} /> : null}
      {cursor ? (
        <p class="more-row">
          <button type="button" onClick={loadMore} disabled={loadingMore} aria-busy={loadingMore}>
            {t("loadMore")}
          </button>
        </p>
      ) : null}
    </>
  );
}
