// Short messages for things that happened elsewhere on the page (an action rolled back, a post sent),
// read out by screen readers through a live region; an error stays longer and is announced assertively.
import { signal } from "@preact/signals";
import { t } from "./messages";

interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
}

const toasts = signal<Toast[]>([]);
let nextId = 1;

export function toast(text: string, kind: Toast["kind"] = "info"): void {
  const id = nextId++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => dismiss(id), kind === "error" ? 8000 : 4000);
}

function dismiss(id: number): void {
  toasts.value = toasts.value.filter((item) => item.id !== id);
}

export function Toasts() {
  const shown = toasts.value;
  return (
    <>
      <div class="toasts" role="status" aria-live="polite">
        {shown.filter((item) => item.kind === "info").map((item) => <ToastItem key={item.id} toast={item} />)}
      </div>
      <div class="toasts toasts-errors" role="alert" aria-live="assertive">
        {shown.filter((item) => item.kind === "error").map((item) => <ToastItem key={item.id} toast={item} />)}
      </div>
    </>
  );
}

function ToastItem({ toast: item }: { toast: Toast }) {
  return (
    <div class={`toast toast-${item.kind}`}>
      <span>{item.text}</span>
      <button type="button" class="icon-button" aria-label={t("close")} onClick={() => dismiss(item.id)}>
        ×
      </button>
    </div>
  );
}
