// Settings: the interface (language, theme), notification switches and Web Push, the accounts and words
// one blocks or mutes, one's data (export), password, and deleting the account. Each switch changes at
// once and comes back, with a message, if the API refuses.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, withQuery } from "../../api/client";
import type { NotificationKind, Page, TokenResponse, User } from "../../api/types";
import { LOCALES, type Locale, formatDate, locale, setLocale } from "../../i18n";
import { navigate } from "../../router";
import { TOKEN_TRANSPORT, signedOut, tokensChanged } from "../../session";
import { type Theme, theme } from "../../theme";
import { Modal } from "../../ui/Modal";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { UserRow } from "../profile/UserRow";
import { resetRelations, setRelation } from "../profile/relations";
import { t } from "./messages";
import { currentSubscription, pushSupported, registration, subscribe, unsubscribe } from "./push";

export const KINDS: NotificationKind[] = ["follow", "like", "retweet", "quote", "reply", "mention"];
type Switches = Record<NotificationKind, boolean>;

export function SettingsPage() {
  return (
    <div class="settings-page">
      <header class="page-header">
        <h1>{t("title")}</h1>
      </header>
      <DisplaySettings />
      <NotificationSettings />
      <AccountList kind="blocking" />
      <AccountList kind="muting" />
      <MutedWords />
      <DataExport />
      <PasswordChange />
      <DeleteAccount />
    </div>
  );
}

function Section(props: { id: string; title: string; hint?: string; children: preact.ComponentChildren }) {
  return (
    <section class="settings-section" aria-labelledby={`settings-${props.id}`}>
      <h2 id={`settings-${props.id}`}>{props.title}</h2>
      {props.hint ? <p class="muted">{props.hint}</p> : null}
      {props.children}
    </section>
  );
}

function DisplaySettings() {
  return (
    <Section id="display" title={t("display")}>
      <div class="settings-grid">
        <label>
          {t("language")}
          <select value={locale.value} onChange={(event) => setLocale(event.currentTarget.value as Locale)}>
            {(Object.keys(LOCALES) as Locale[]).map((code) => (
              <option key={code} value={code} lang={code}>
                {LOCALES[code]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("theme")}
          <select value={theme.value} onChange={(event) => (theme.value = event.currentTarget.value as Theme)}>
            <option value="system">{t("themeSystem")}</option>
            <option value="light">{t("themeLight")}</option>
            <option value="dark">{t("themeDark")}</option>
          </select>
        </label>
      </div>
    </Section>
  );
}

export function NotificationSettings() {
  const [switches, setSwitches] = useState<Switches | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const latest = useRef<Switches | null>(null);
  latest.current = switches;

  useEffect(() => {
    api
      .get<{ data: Switches }>("/api/users/me/notification_settings")
      .then((answer) => setSwitches(answer.data))
      .catch((error: unknown) => setProblem(t("loadFailed", { reason: errorMessage(error) })));
  }, [attempt]);

  const change = async (kind: NotificationKind, on: boolean) => {
    setSwitches((current) => current && { ...current, [kind]: on });
    try {
      const answer = await api.patch<{ data: Switches }>("/api/users/me/notification_settings", { [kind]: on });
      setSwitches((current) => current && { ...current, [kind]: answer.data[kind] });
    } catch (error) {
      setSwitches((current) => current && { ...current, [kind]: !on });
      toast(t("saveFailed", { reason: errorMessage(error) }), "error");
    }
  };

  return (
    <Section id="notifications" title={t("notifications")}>
      {problem ? (
        <p role="alert">
          {problem}{" "}
          <button type="button" onClick={() => (setProblem(null), setAttempt(attempt + 1))}>
            {t("retry")}
          </button>
        </p>
      ) : switches ? (
        <fieldset class="settings-switches">
          <legend>{t("notificationsHint")}</legend>
          {KINDS.map((kind) => (
            <label key={kind} class="checkbox">
              <input
                type="checkbox"
                name={kind}
                checked={switches[kind]}
                onChange={(event) => void change(kind, event.currentTarget.checked)}
              />
              <span>{t(`kind_${kind}`)}</span>
            </label>
          ))}
        </fieldset>
      ) : (
        <p aria-busy="true">…</p>
      )}
      <PushSwitch />
    </Section>
  );
}

function PushSwitch() {
  const [state, setState] = useState<"unknown" | "unsupported" | "on" | "off" | "busy">("unknown");
  const [denied, setDenied] = useState(false);
  useEffect(() => {
    if (!pushSupported()) return setState("unsupported");
    setDenied(Notification.permission === "denied");
    registration()
      .then(async (worker) => {
        if (!worker) return setState("unsupported"); // no service worker (a dev server, a private window)
        setState((await currentSubscription()) ? "on" : "off");
      })
      .catch(() => setState("unsupported"));
  }, []);
  if (state === "unsupported" || state === "unknown") return null;
  const toggle = async (on: boolean) => {
    const before = state;
    setState("busy");
    try {
      if (on) {
        const granted = await subscribe();
        setDenied(!granted && Notification.permission === "denied");
        setState(granted ? "on" : "off");
      } else {
        await unsubscribe();
        setState("off");
      }
    } catch (error) {
      setState(before);
      toast(t("saveFailed", { reason: errorMessage(error) }), "error");
    }
  };
  return (
    <div class="settings-push">
      <label class="checkbox">
        <input
          type="checkbox"
          checked={state === "on"}
          disabled={state === "busy" || denied}
          aria-describedby="settings-push-hint"
          onChange={(event) => void toggle(event.currentTarget.checked)}
        />
        <span>{t("push")}</span>
      </label>
      <p id="settings-push-hint" class="muted">
        {denied ? t("pushDenied") : t("pushHint")}
      </p>
    </div>
  );
}

function AccountList({ kind }: { kind: "blocking" | "muting" }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const path = `/api/users/me/${kind}`;
  const load = async (from?: string) => {
    try {
      const page = await api.get<Page<User>>(path, { cursor: from });
      setUsers((current) => [...(from ? (current ?? []) : []), ...page.data]);
      setCursor(page.meta.next_cursor);
      setProblem(null);
    } catch (error) {
      setProblem(t("loadFailed", { reason: errorMessage(error) }));
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const undo = async (user: User) => {
    try {
      await setRelation(kind, user.id, false);
      setUsers((current) => (current ?? []).filter((other) => other.id !== user.id));
      toast(t(kind === "blocking" ? "unblocked" : "unmuted", { username: user.username }));
    } catch (error) {
      toast(errorMessage(error), "error");
    }
  };
  const label = kind === "blocking" ? t("unblock") : t("unmute");
  return (
    <Section id={kind} title={kind === "blocking" ? t("blocked") : t("muted")}>
      {problem ? <p role="alert">{problem}</p> : null}
      {users === null ? null : users.length === 0 ? (
        <p class="muted">{kind === "blocking" ? t("blockedNone") : t("mutedNone")}</p>
      ) : (
        <ul class="user-list">
          {users.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              action={
                <button type="button" onClick={() => void undo(user)} aria-describedby={`${kind}-${user.id}`}>
                  {label}
                  <span class="visually-hidden" id={`${kind}-${user.id}`}>
                    @{user.username}
                  </span>
                </button>
              }
            />
          ))}
        </ul>
      )}
      {cursor ? (
        <button type="button" onClick={() => void load(cursor)}>
          {t("loadMore")}
        </button>
      ) : null}
    </Section>
  );
}

function MutedWords() {
  const [words, setWords] = useState<string[] | null>(null);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    api
      .get<{ data: { word: string }[] }>("/api/users/me/muted_words")
      .then((answer) => setWords(answer.data.map((item) => item.word)))
      .catch((error: unknown) => setProblem(t("loadFailed", { reason: errorMessage(error) })));
  }, []);
  const add = async (event: Event) => {
    event.preventDefault();
    const word = draft.trim();
    if (!word) return;
    try {
      const answer = await api.post<{ data: { word: string } }>("/api/users/me/muted_words", { word });
      setWords((current) => [answer.data.word, ...(current ?? []).filter((other) => other !== answer.data.word)]);
      setDraft("");
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };
  const remove = async (word: string) => {
    const before = words;
    setWords((current) => (current ?? []).filter((other) => other !== word));
    try {
      await api.del(withQuery("/api/users/me/muted_words", { word }));
    } catch (error) {
      setWords(before);
      toast(errorMessage(error), "error");
    }
  };
  return (
    <Section id="muted-words" title={t("mutedWords")} hint={t("mutedWordsHint")}>
      <form class="inline-form" onSubmit={add}>
        <label>
          {t("mutedWord")}
          <input value={draft} maxLength={100} dir="auto" onInput={(event) => setDraft(event.currentTarget.value)} />
        </label>
        <button type="submit" disabled={!draft.trim()}>
          {t("addWord")}
        </button>
      </form>
      {problem ? <p role="alert">{problem}</p> : null}
      {words === null ? null : words.length === 0 ? (
        <p class="muted">{t("mutedWordsNone")}</p>
      ) : (
        <ul class="muted-words">
          {words.map((word) => (
            <li key={word}>
              <bdi>{word}</bdi>
              <button type="button" class="icon-button" aria-label={t("removeWord", { word })} onClick={() => void remove(word)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

interface Export {
  state: "pending" | "ready" | "failed";
  requested_at: string;
  completed_at: string | null;
  expires_at: string;
  size_bytes: number | null;
  download_url: string | null;
}

function formatBytes(bytes: number): string {
  const [unit, size] = bytes >= 1024 * 1024 ? ["megabyte", bytes / (1024 * 1024)] : ["kilobyte", Math.max(1, bytes / 1024)];
  return new Intl.NumberFormat(locale.value, { style: "unit", unit: unit as string, maximumFractionDigits: 1 }).format(size as number);
}

function DataExport({ pollMs = 2000 }: { pollMs?: number }) {
  const [current, setCurrent] = useState<Export | null>(null);
  const [asking, setAsking] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const read = async () => {
    try {
      const answer = await api.get<{ data: Export }>("/api/users/me/export");
      setCurrent(answer.data);
      if (answer.data.state === "pending") timer.current = setTimeout(read, pollMs);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) timer.current = setTimeout(read, pollMs * 5);
    }
  };
  useEffect(() => {
    void read();
    return () => clearTimeout(timer.current);
  }, []);
  const ask = async () => {
    setAsking(true);
    try {
      const answer = await api.post<{ data: Export }>("/api/users/me/export", {});
      setCurrent(answer.data);
      clearTimeout(timer.current);
      timer.current = setTimeout(read, pollMs);
    } catch (error) {
      // The one-a-day limit's own message says when to ask again (a Retry-After of hours reads badly as seconds).
      toast(error instanceof ApiError && error.status === 429 ? error.message : errorMessage(error), "error");
    } finally {
      setAsking(false);
    }
  };
  return (
    <Section id="data" title={t("data")} hint={t("exportHint")}>
      <button type="button" onClick={ask} disabled={asking || current?.state === "pending"}>
        {t("export")}
      </button>
      <div aria-live="polite" class="export-state">
        {current?.state === "pending" ? <p>{t("exportPending")}</p> : null}
        {current?.state === "failed" ? <p>{t("exportFailed")}</p> : null}
        {current?.state === "ready" && current.download_url ? (
          <p>
            {t("exportReady")}{" "}
            <a href={current.download_url} download data-testid="export-link">
              {t("exportDownload", { size: formatBytes(current.size_bytes ?? 0) })}
            </a>{" "}
            <span class="muted">{t("exportExpires", { date: formatDate(current.expires_at, { dateStyle: "medium" }) })}</span>
          </p>
        ) : null}
      </div>
    </Section>
  );
}

function PasswordChange() {
  const [open, setOpen] = useState(false);
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const grant = await api.post<TokenResponse>(
        "/api/users/me/password",
        { current_password: currentPassword, new_password: newPassword },
        { headers: TOKEN_TRANSPORT },
      );
      tokensChanged(grant);
      toast(t("passwordChanged"));
      setOpen(false);
      setCurrentPassword("");
      setNewPassword("");
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="security" title={t("security")}>
      {/* The form exists only while open, and the section is not named after it, so the page has one thing
          labelled "Password" (the account deletion's) at a time. */}
      <button type="button" aria-expanded={open} aria-controls="settings-password-form" onClick={() => setOpen(!open)}>
        {t("password")}
      </button>
      {open ? (
        <form id="settings-password-form" class="settings-form" onSubmit={submit}>
          <label>
            {t("currentPassword")}
            <input type="password" autocomplete="current-password" required value={currentPassword} onInput={(event) => setCurrentPassword(event.currentTarget.value)} />
          </label>
          <label>
            {t("newPassword")}
            <input type="password" autocomplete="new-password" required minLength={8} value={newPassword} onInput={(event) => setNewPassword(event.currentTarget.value)} />
          </label>
          {problem ? <p role="alert" class="form-error">{problem}</p> : null}
          <button type="submit" class="primary" disabled={busy}>
            {t("changePassword")}
          </button>
        </form>
      ) : null}
    </Section>
  );
}

function DeleteAccount() {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await api.del("/api/users/me", { password });
      setOpen(false);
      resetRelations();
      signedOut();
      navigate("/", { replace: true });
      toast(t("deleted"));
    } catch (error) {
      setProblem(errorMessage(error));
      setBusy(false);
    }
  };
  return (
    <Section id="account" title={t("account")} hint={t("deleteHint")}>
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        {t("deleteAccount")}
      </button>
      {open ? (
        <Modal title={t("deleteAccount")} onClose={() => setOpen(false)}>
          <form class="settings-form" onSubmit={submit}>
            <p>{t("deleteConfirm")}</p>
            <label>
              {t("passwordLabel")}
              <input type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
            </label>
            {problem ? <p role="alert" class="form-error">{problem}</p> : null}
            <div class="form-actions">
              <button type="button" onClick={() => setOpen(false)}>
                {t("cancel")}
              </button>
              <button type="submit" class="danger" disabled={busy || !password}>
                {t("deleteMyAccount")}
              </button>
            </div>
          </form>
        </Modal>
      ) : null}
    </Section>
  );
}
