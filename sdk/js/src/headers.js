// Reading response headers: Link and X-RateLimit-* (docs/api.md §4, §5).

/** `Link: <url>; rel="next", …` -> { next: url, … } */
export function parseLink(header) {
  const links = {};
  for (const match of String(header || '').matchAll(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/g)) links[match[2]] = match[1];
  return links;
}

export function rateLimitFrom(headers) {
  const limit = headers.get('x-ratelimit-limit');
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset');
  if (limit == null || remaining == null || reset == null) return null;
  const used = headers.get('x-ratelimit-used');
  return {
    limit: Number(limit), remaining: Number(remaining), reset: Number(reset),
    used: used == null ? null : Number(used), resource: headers.get('x-ratelimit-resource'),
  };
}
