// Deprecations a response announces (docs/api.md §18).

/**
 * The deprecation a response announces (`Deprecation: @<unix>` RFC 9745, `Sunset` RFC 8594,
 * `Link: <notes>; rel="deprecation"`), or null when it carries no `Deprecation` header.
 */
export function deprecationFrom(method, path, headers) {
  const value = headers.get('deprecation');
  if (value == null) return null;
  const stamp = /^@(\d+)$/.exec(value.trim());
  const links = [];
  for (const match of String(headers.get('link') || '').matchAll(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/g)) {
    if (match[2] === 'deprecation') links.push(match[1]);
  }
  return {
    method, path: path.split('?')[0], deprecatedAt: stamp ? new Date(Number(stamp[1]) * 1000) : null,
    sunset: headers.get('sunset'), links,
  };
}

export function deprecationKey(notice) {
  // The method and the server's announcement, not the path's ids: one operation called on many
  // objects warns once.
  return JSON.stringify([notice.method, notice.deprecatedAt?.getTime() ?? null, notice.sunset, notice.links]);
}

export function deprecationMessage(notice) {
  let text = `Kizuna API: ${notice.method} ${notice.path} uses something deprecated`;
  if (notice.deprecatedAt) text += ` since ${notice.deprecatedAt.toISOString().replace('.000Z', 'Z')}`;
  if (notice.sunset) text += `; it stops working (410 GONE) on ${notice.sunset}`;
  if (notice.links.length) text += `. See ${notice.links.join(', ')}`;
  return text;
}
