// Hash routing (the server serves every page at `/`): `#/path?query`. Links are built with
// href(); navigate() changes the hash, which re-renders the page.

export interface Route {
  path: string;
  query: URLSearchParams;
}

export function current(): Route {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: new URLSearchParams() } : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

export function href(path: string, query?: Record<string, string | number | null | undefined> | URLSearchParams): string {
  let qs = '';
  if (query instanceof URLSearchParams) qs = query.toString();
  else if (query) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
    qs = p.toString();
  }
  return '#' + path + (qs ? '?' + qs : '');
}

export function navigate(path: string, query?: Record<string, string | number | null | undefined> | URLSearchParams): void {
  location.hash = href(path, query);
}

/** The current path with some query parameters changed (null removes one). */
export function withQuery(changes: Record<string, string | number | null>): string {
  const r = current();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) r.query.delete(k);
    else r.query.set(k, String(v));
  }
  return href(r.path, r.query);
}
