/// Whether `value` is an email address, by the one rule both `msgen validate` (for defaults)
/// and the generated service (for requests) apply: one `@` with something before it, after it
/// a domain of at least two dot-separated labels, none of them empty, and no whitespace or
/// control character anywhere. Written out rather than taken from an RFC 5322 crate: RFC 5322
/// allows a domain of one label (`user@localhost`), and `msgen validate` runs this same code.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod email_tests {
    use super::is_email;

    /// Addresses and whether they are accepted.
    const ADDRESSES: &[(&str, bool)] = &[
        ("user@example.com", true),
        ("first.last+tag@mail.example.co.uk", true),
        ("a@b.c", true),
        ("UPPER@EXAMPLE.COM", true),
        ("", false),
        ("nobody", false),
        ("@example.com", false),
        ("user@", false),
        ("user@localhost", false),
        ("user@.com", false),
        ("user@example.", false),
        ("user@example..com", false),
        ("user@@example.com", false),
        ("user@exa@mple.com", false),
        ("us er@example.com", false),
        ("user@example.com ", false),
        ("user\t@example.com", false),
        ("user@example.com\n", false),
        ("user\u{0}@example.com", false),
    ];

    #[test]
    fn email_addresses() {
        for &(address, valid) in ADDRESSES {
            assert_eq!(is_email(address), valid, "{address:?}");
        }
    }
}
