/// Whether `value` is an absolute URL with a host, by the one rule the generated service
/// applies to `format: url` values and `msgen validate` to their defaults (which must, besides,
/// be `http://` or `https://`).
pub fn is_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|url| url.has_host())
}

#[cfg(test)]
mod url_tests {
    use super::is_url;

    /// URLs and whether they are accepted.
    const URLS: &[(&str, bool)] = &[
        ("https://example.com", true),
        ("http://example.com:8080/a/b?c=d#e", true),
        ("https://127.0.0.1", true),
        ("ftp://files.example.com/x", true),
        ("", false),
        ("not a url", false),
        ("example.com", false),
        ("/relative/path", false),
        ("https://", false),
        ("https://[", false),
        ("https://exa mple.com", false),
        ("mailto:someone@example.com", false),
    ];

    #[test]
    fn urls() {
        for &(url, valid) in URLS {
            assert_eq!(is_url(url), valid, "{url:?}");
        }
    }
}
