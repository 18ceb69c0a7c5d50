// The search box: as one types, the people whose username or name starts with it (an ARIA combobox with a
// listbox: arrow keys move, Enter opens the person, Escape closes); Enter on the text searches tweets.
// Requests wait for a pause in typing (150 ms), and an answer that comes back after a newer one was asked
// for is ignored, so the list always matches what is in the box.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { Page, User } from "../../api/types";
import { navigate, path, query } from "../../router";
import { Avatar } from "../../ui/Avatar";
import { t } from "./messages";

const MAX_OPTIONS = 6;
let instances = 0;

export function SearchBox({ delayMs = 150 }: { delayMs?: number }) {
  const [id] = useState(() => `search-box-${++instances}`);
  const initial = path.value === "/search" ? (query.value.get("q") ?? "") : "";
  const [text, setText] = useState(initial);
  const [options, setOptions] = useState<User[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const abort = useRef<AbortController | null>(null);

  useEffect(
    () => () => {
      clearTimeout(timer.current);
      abort.current?.abort();
    },
    [],
  );

  const suggest = (value: string) => {
    clearTimeout(timer.current);
    const prefix = value.trim().replace(/^@/, "");
    const asked = ++latest.current;
    abort.current?.abort();
    if (!prefix || /\s/.test(prefix)) {
      setOptions([]);
      setOpen(false);
      setActive(-1);
      return;
    }
    timer.current = setTimeout(async () => {
      const controller = new AbortController();
      abort.current = controller;
      try {
        const page = await api.get<Page<User>>("/api/users/search", { q: prefix, limit: MAX_OPTIONS }, { signal: controller.signal });
        if (asked !== latest.current) return; // a newer question was asked meanwhile
        setOptions(page.data.slice(0, MAX_OPTIONS));
        setOpen(page.data.length > 0);
        setActive(-1);
      } catch {
        if (asked !== latest.current) return;
        setOptions([]);
        setOpen(false);
      }
    }, delayMs);
  };

  const close = () => {
    setOpen(false);
    setActive(-1);
  };

  const openUser = (user: User) => {
    close();
    setText("");
    latest.current += 1;
    navigate(`/u/${encodeURIComponent(user.username)}`);
  };

  const search = () => {
    const q = text.trim();
    if (!q) return;
    close();
    latest.current += 1;
    clearTimeout(timer.current);
    navigate(`/search?${new URLSearchParams({ q }).toString()}`);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const count = options.length;
    switch (event.key) {
      case "ArrowDown":
        if (!count) return;
        event.preventDefault();
        setOpen(true);
        setActive(open ? (active + 1) % count : 0);
        break;
      case "ArrowUp":
        if (!count) return;
        event.preventDefault();
        setOpen(true);
        setActive(open ? (active <= 0 ? count - 1 : active - 1) : count - 1);
        break;
      case "Enter":
        event.preventDefault();
        if (open && active >= 0 && options[active]) openUser(options[active]);
        else search();
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          close();
        } else if (text) {
          event.preventDefault();
          setText("");
          suggest("");
        }
        break;
      default:
    }
  };

  const listId = `${id}-list`;
  const expanded = open && options.length > 0;
  return (
    <div class="search-box" role="search">
      <label for={id} class="visually-hidden">
        {t("searchLabel")}
      </label>
      <input
        id={id}
        type="search"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        dir="auto"
        placeholder={t("searchPlaceholder")}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${id}-option-${active}` : undefined}
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          suggest(value);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(close, 150)}
        onFocus={() => options.length > 0 && text.trim() && setOpen(true)}
      />
      <ul id={listId} role="listbox" aria-label={t("suggestions")} class="search-options" hidden={!expanded}>
        {expanded
          ? options.map((user, index) => (
              <li
                key={user.id}
                id={`${id}-option-${index}`}
                role="option"
                aria-selected={index === active}
                class={index === active ? "search-option is-active" : "search-option"}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => openUser(user)}
              >
                <span aria-hidden="true">
                  <Avatar user={user} size={32} />
                </span>
                <span class="search-option-text">
                  <bdi class="search-option-name">{user.name}</bdi> <span class="muted" dir="ltr">@{user.username}</span>
                </span>
              </li>
            ))
          : null}
      </ul>
    </div>
  );
}
