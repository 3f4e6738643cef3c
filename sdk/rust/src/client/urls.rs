//! URL helpers: splitting absolute URLs, reading `Link` headers, percent-encoding path segments.

/// `scheme://host[:port]/path?query` → (scheme, host, path-and-query), for absolute http(s) URLs.
pub(super) fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let cut = rest.find(|c| c == '/' || c == '?' || c == '#').unwrap_or(rest.len());
    Some((scheme, &rest[..cut], &rest[cut..]))
}

/// `Link: <url>; rel="next", …` → the URL of `rel`.
pub(crate) fn link_rel(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let url = &after[..end];
        let params_end = after[end..].find('<').map(|i| end + i).unwrap_or(after.len());
        let params = &after[end + 1..params_end];
        for param in params.split(';') {
            if let Some((key, value)) = param.split_once('=') {
                if key.trim().eq_ignore_ascii_case("rel") && value.trim().trim_end_matches(',').trim().trim_matches('"').split_whitespace().any(|r| r == rel) {
                    return Some(url.to_string());
                }
            }
        }
        rest = &after[params_end..];
    }
    None
}

/// Percent-encodes one path segment (every byte but `A-Z a-z 0-9 - . _ ~`).
pub(crate) fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

/// A path that may hold `/` (branch names, file paths): each part percent-encoded.
pub(crate) fn subpath(value: &str) -> String {
    value.trim_matches('/').split('/').map(seg).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_is_parsed_like_github() {
        let h = r#"<http://h/api/v1/repos/o?page=2&labels=a,b>; rel="next", <http://h/api/v1/repos/o?page=5>; rel="last""#;
        assert_eq!(link_rel(h, "next").as_deref(), Some("http://h/api/v1/repos/o?page=2&labels=a,b"));
        assert_eq!(link_rel(h, "last").as_deref(), Some("http://h/api/v1/repos/o?page=5"));
        assert_eq!(link_rel(h, "prev"), None);
        assert_eq!(link_rel("", "next"), None);
        assert_eq!(link_rel("<https://x/notes>; rel=deprecation", "deprecation").as_deref(), Some("https://x/notes"));
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(seg("good first issue"), "good%20first%20issue");
        assert_eq!(seg("a/b?c#d%"), "a%2Fb%3Fc%23d%25");
        assert_eq!(seg("ok-._~9"), "ok-._~9");
        assert_eq!(subpath("/feature/x y/"), "feature/x%20y");
    }
}
