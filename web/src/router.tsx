// A small history router: the URL is two signals (path, query), links push history entries, and the
// back button restores them. Pages match patterns like "/u/:username".
import { signal } from "@preact/signals";
import type { ComponentChildren, JSX } from "preact";

export const path = signal(location.pathname);
export const query = signal(new URLSearchParams(location.search));

function sync(): void {
  path.value = location.pathname;
  query.value = new URLSearchParams(location.search);
}

window.addEventListener("popstate", sync);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const current = location.pathname + location.search;
  if (to === current) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  sync();
  window.scrollTo(0, 0);
}

/** The params of `pattern` ("/u/:username") in `target`, or null when it does not match. */
export function matchPath(pattern: string, target: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = target.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < want.length; index += 1) {
    const part = want[index];
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(have[index]);
      } catch {
        return null;
      }
    } else if (part !== have[index]) return null;
  }
  return params;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An <a> that navigates in the app (a modified or middle click still opens a new tab). */
export function Link({ href, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(event) => {
        if (typeof onClick === "function") onClick(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
          return;
        event.preventDefault();
        navigate(href);
      }}
    />
  );
}
