import { effect } from "@preact/signals";
import { render } from "preact";
import { App } from "./app";
import { prefetchHome } from "./features/timeline/HomePage";
import { applyLocale, locale } from "./i18n";
import { restoreSession } from "./session";
import { applyTheme } from "./theme";
import "./styles.css";

applyTheme();
effect(() => {
  void locale.value;
  applyLocale();
});

void restoreSession();
if (location.pathname === "/") prefetchHome(); // the first page, beside /users/me
render(<App />, document.getElementById("app")!);

// The service worker makes Chirp installable, and shows Web Push notifications when no tab is open.
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  window.addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => undefined));
}
