// The console's pages are real paths (/tickets/R-10001, /tickets?status=NEW): lobbyd answers each
// with the page, so links can be shared, reloaded and opened in a new tab.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
function current(): Route {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function navigate(url: string, replace = false) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listeners.forEach((f) => f());
  if (!replace) window.scrollTo(0, 0);
}

/// Sets the page's query (the filters), dropping empty values, without a new history entry.
export function setQuery(values: Record<string, string>, path = location.pathname) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  const s = q.toString();
  navigate(s ? `${path}?${s}` : path, true);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute((r) => {
      const now = current();
      return now.path === r.path && now.query.toString() === r.query.toString() ? r : now;
    });
    listeners.add(update);
    window.addEventListener("popstate", update);
    update();  // a navigation before this subscribed (a child's effect runs first) is not missed
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}

/// A same-page link: a plain click navigates here; a middle or modified click opens a tab.
export function onLink(e: MouseEvent) {
  const a = (e.target as HTMLElement).closest("a");
  if (!a || a.target || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute("href");
  if (!href || !href.startsWith("/") || href.startsWith("//")) return;
  e.preventDefault();
  navigate(href);
}
