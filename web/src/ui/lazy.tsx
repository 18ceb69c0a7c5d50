// Pages other than the home timeline load on demand, so the first screen's JavaScript stays small.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "./messages";

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | null>(loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      pending ??= load();
      pending.then((found) => setComponent(() => (loaded = found))).catch(() => {
        pending = null;
        setFailed(true);
      });
    }, [failed]);
    if (component) {
      const Component = component;
      return <Component {...props} />;
    }
    if (failed)
      return (
        <p class="notice">
          {t("network")}{" "}
          <button type="button" onClick={() => setFailed(false)}>
            {t("retry")}
          </button>
        </p>
      );
    return <p class="notice" aria-busy="true">{t("loading")}</p>;
  };
}
