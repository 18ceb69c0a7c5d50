// The interface's languages: each feature declares its strings with defineMessages (English, French and
// Arabic side by side), so a missing translation is a type error, not a blank. The language comes from
// the browser's preferences until the reader picks one (kept in localStorage). Arabic lays the whole
// interface out right to left; each tweet's own direction follows its text (dir="auto").
// Dates and numbers use Intl in the reader's locale and time zone.
import { signal } from "@preact/signals";

export const LOCALES = { en: "English", fr: "Français", ar: "العربية" } as const;
export type Locale = keyof typeof LOCALES;
const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set<Locale>(["ar"]);
const STORAGE_KEY = "chirp.locale";

export type Params = Record<string, string | number>;
export type Message = string | ((params: Params) => string);
export type Messages<K extends string> = Record<K, Message>;

function preferredLocale(): Locale {
  const saved = safeStorage()?.getItem(STORAGE_KEY);
  if (saved && saved in LOCALES) return saved as Locale;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base in LOCALES) return base as Locale;
  }
  return "en";
}

function safeStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export const locale = signal<Locale>(preferredLocale());

export function applyLocale(): void {
  document.documentElement.lang = locale.value;
  document.documentElement.dir = RIGHT_TO_LEFT.has(locale.value) ? "rtl" : "ltr";
}

export function setLocale(next: Locale): void {
  locale.value = next;
  safeStorage()?.setItem(STORAGE_KEY, next);
  applyLocale();
}

function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A translator for one feature's strings: `t("key", {count: 2})`, in the current locale. */
export function defineMessages<K extends string>(
  catalog: Record<Locale, Messages<K>>,
): (key: K, params?: Params) => string {
  return (key, params) => {
    const message = catalog[locale.value][key] ?? catalog.en[key];
    return typeof message === "function" ? message(params ?? {}) : interpolate(message, params);
  };
}

/** Picks a plural form by the locale's rules: plural(n, {one: "1 tweet", other: "{n} tweets"}). */
export function plural(count: number, forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }): string {
  const rule = new Intl.PluralRules(locale.value).select(count);
  return interpolate(forms[rule] ?? forms.other, { n: formatNumber(count), count });
}

/** Minutes tick for every relative time on the page at once (one timer, not one per tweet). */
export const clock = signal(Date.now());
if (typeof window !== "undefined") setInterval(() => (clock.value = Date.now()), 30_000);

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
];

/** "5 min ago", "il y a 2 h", "منذ ٣ أيام"; a week or more: a date ("12 Mar", "12 Mar 2025"). */
export function formatRelative(when: string | number | Date, now: number = clock.value): string {
  const then = new Date(when).getTime();
  let amount = (then - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(amount) < size) {
      const rounded = Math.round(amount);
      return new Intl.RelativeTimeFormat(locale.value, { numeric: "auto", style: "short" }).format(
        unit === "second" && Math.abs(rounded) < 10 ? 0 : rounded,
        unit,
      );
    }
    amount /= size;
  }
  const sameYear = new Date(then).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale.value, {
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(then);
}

/** A full date and time in the reader's locale and time zone (a <time>'s title, a profile's "joined"). */
export function formatDate(when: string | number | Date, options?: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(locale.value, options ?? { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(when),
  );
}

export function formatNumber(value: number, compact = false): string {
  return new Intl.NumberFormat(locale.value, compact ? { notation: "compact", maximumFractionDigits: 1 } : {}).format(
    value,
  );
}
