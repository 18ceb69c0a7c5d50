// Tabs that are links (each tab has its own URL), used by the profile and search pages.
import { Link, navigate } from "../../router";

/** Tabs that are links (each tab has its own URL): arrow keys move between them, as a tablist's should. */
export function Tabs(props: {
  prefix: string;
  label: string; current: string; tabs: { id: string; href: string; label: string }[];}) {
  const onKeyDown = (event: KeyboardEvent) => {
    const index = props.tabs.findIndex((tab) => tab.id === props.current);
    const rtl = document.documentElement.dir === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    if (!step || index < 0) return;
    event.preventDefault();
    const next = props.tabs[(index + step + props.tabs.length) % props.tabs.length];
    navigate(next.href, { replace: true });
    requestAnimationFrame(() => document.getElementById(`${props.prefix}-tab-${next.id}`)?.focus());
  };
  return (
    <div class="tabs" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      {props.tabs.map((tab) => (
        <Link
          key={tab.id}
          id={`${props.prefix}-tab-${tab.id}`}
          href={tab.href}
          role="tab"
          class="tab"
          aria-selected={tab.id === props.current}
          aria-controls={`${props.prefix}-panel`}
          tabIndex={tab.id === props.current ? 0 : -1}
        >
          {tab.label}
        </Link>
      ))}
    </div>
  );
}
