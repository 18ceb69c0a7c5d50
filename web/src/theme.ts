// Light and dark: "system" follows the browser's prefers-color-scheme; a choice is kept in localStorage
// and set as <html data-theme>, which styles.css reads.
import { effect, signal } from "@preact/signals";

export type Theme = "system" | "light" | "dark";
const THEME_KEY = "chirp.theme";

function savedTheme(): Theme {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

export const theme = signal<Theme>(savedTheme());

export function applyTheme(): () => void {
  return effect(() => {
    const value = theme.value;
    if (value === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = value;
    try {
      localStorage.setItem(THEME_KEY, value);
    } catch {
      // private mode: the choice lasts for this page
    }
  });
}
