// A modal dialog on the native <dialog>: showModal() makes the rest of the page inert, keeps focus inside,
// closes on Escape, and gives focus back to what opened it when it closes.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "./messages";

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement as HTMLElement | null;
    if (element && !element.open) element.showModal?.();
    return () => {
      element?.close?.();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      class="modal"
      aria-labelledby="modal-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <header class="modal-header">
        <h2 id="modal-title">{props.title}</h2>
        <button type="button" class="icon-button" aria-label={t("close")} onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}
