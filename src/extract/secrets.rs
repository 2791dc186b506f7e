//! Credentials that are not `dbtc_`/`dbtu_` literals, as facts: a 40-hex value written as the
//! value of a name (a legacy user API key, or a commit SHA: `classify::secrets` tells them
//! apart), and the token values of a file whose name is a dbt credential cache.

/// Length of a legacy user API key: 40 lowercase hex characters, no prefix.
pub const HEX_KEY_LEN: usize = 40;

/// A 40-hex value and the name it is the value of (`api-key: "…"`, `DBT_CLOUD_API_KEY=…`,
/// `api_key="…"`, `"apiKey": "…"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexValue {
    pub start: usize,
    pub end: usize,
    /// The name as written (without quotes).
    pub name: String,
}

/// A file whose name and place are those of a dbt credential cache, with the spans of the token
/// values it holds (access, refresh and state tokens: JWTs or opaque strings).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheFile {
    /// The cache's file name, lowercase (`oauth_sessions.json`).
    pub name: String,
    pub secrets: Vec<(usize, usize)>,
}

fn is_hex_lower(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Every run of exactly 40 lowercase hex characters that is written as the value of a name on
/// the same line: `NAME = VALUE`, `NAME: VALUE`, `NAME=VALUE`, `"NAME": "VALUE"`, with optional
/// quotes and `export`.
pub fn hex_values(text: &str) -> Vec<HexValue> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).copied().is_some_and(is_hex_lower) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).copied().is_some_and(is_hex_lower) {
            i += 1;
        }
        let glued = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
        if i - start != HEX_KEY_LEN || glued(bytes.get(i)) || (start > 0 && glued(bytes.get(start - 1))) {
            continue;
        }
        if let Some(name) = name_before(bytes, start) {
            out.push(HexValue { start, end: i, name });
        }
    }
    out
}

/// The name a value starting at `at` is assigned to: skip an opening quote, then `=`, `:`, `=>`
/// or `:=` with spaces, then a closing quote, then the name.
fn name_before(bytes: &[u8], at: usize) -> Option<String> {
    let mut j = at;
    let back = |j: &mut usize, pred: &dyn Fn(u8) -> bool| {
        while *j > 0 && bytes.get(*j - 1).copied().is_some_and(pred) {
            *j -= 1;
        }
    };
    if j > 0 && matches!(bytes.get(j - 1), Some(b'"' | b'\'')) {
        j -= 1;
    }
    back(&mut j, &|b| b == b' ' || b == b'\t');
    let op_end = j;
    back(&mut j, &|b| matches!(b, b'=' | b':' | b'>'));
    if j == op_end || op_end - j > 2 {
        return None;
    }
    back(&mut j, &|b| b == b' ' || b == b'\t');
    if j > 0 && matches!(bytes.get(j - 1), Some(b'"' | b'\'')) {
        j -= 1;
    }
    let name_end = j;
    back(&mut j, &|b| is_name_byte(b));
    let name = std::str::from_utf8(bytes.get(j..name_end)?).ok()?;
    let name = name.trim_start_matches(['.', '-']);
    (!name.is_empty()).then(|| name.to_owned())
}

/// Whether a path (with `/` separators) is a dbt credential cache by name and place: a cache
/// file name (any case) under a `.dbt/` folder or a `profiles` folder.
pub fn is_cache_path(path: &str, cache_files: &[String]) -> Option<String> {
    let mut segments: Vec<&str> = path.split('/').collect();
    let file = segments.pop()?.to_ascii_lowercase();
    if !cache_files.contains(&file) {
        return None;
    }
    segments.iter().any(|s| *s == ".dbt" || s.eq_ignore_ascii_case("profiles")).then_some(file)
}

/// The values of token keys (a key whose words include `token`, `jwt` or `session`) in a
/// JSON or YAML cache, as spans: strings of 12 characters or more. Read as text, so a cache
/// that does not parse still has its tokens masked.
pub fn cache_secrets(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (line_start, line) in lines(text) {
        let Some(colon) = line.find(':') else { continue };
        let key = line.get(..colon).unwrap_or("").trim().trim_start_matches('-').trim().trim_matches(['"', '\'']);
        let lower = key.to_ascii_lowercase();
        if !(lower.contains("token") || lower.contains("jwt")) {
            continue;
        }
        let rest = line.get(colon + 1..).unwrap_or("");
        let lead = rest.len() - rest.trim_start().len();
        let value = rest.trim();
        let value_start = line_start + colon + 1 + lead;
        let quoted = value.starts_with(['"', '\'']);
        let (s, len) = if quoted {
            let q = value.as_bytes().first().copied().unwrap_or(b'"');
            let inner = value.get(1..).unwrap_or("");
            (value_start + 1, inner.bytes().take_while(|&b| b != q).count())
        } else {
            (value_start, value.bytes().take_while(|&b| !matches!(b, b',' | b' ' | b'}' | b'#')).count())
        };
        if len >= 12 && bytes.get(s..s + len).is_some() {
            out.push((s, s + len));
        }
    }
    // A JSON cache is often one line: every `"…token…": "value"` pair on it.
    let mut from = 0;
    while let Some(k) = text.get(from..).and_then(|t| t.find("\":")) {
        let key_end = from + k;
        from = key_end + 2;
        let key_start = text.get(..key_end).and_then(|t| t.rfind('"')).map_or(key_end, |q| q + 1);
        let key = text.get(key_start..key_end).unwrap_or("").to_ascii_lowercase();
        if !(key.contains("token") || key.contains("jwt")) {
            continue;
        }
        let rest = text.get(from..).unwrap_or("");
        let lead = rest.len() - rest.trim_start().len();
        if !rest.trim_start().starts_with('"') {
            continue;
        }
        let s = from + lead + 1;
        let len = text.get(s..).unwrap_or("").bytes().take_while(|&b| b != b'"').count();
        if len >= 12 && !out.iter().any(|&(a, _)| a == s) {
            out.push((s, s + len));
        }
    }
    out.sort_unstable();
    out
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = at;
        at += l.len();
        (start, l.trim_end_matches(['\n', '\r']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn forty_hex_values_come_with_their_names() {
        for (text, name) in [
            (format!("api-key: \"{KEY}\"\n"), "api-key"),
            (format!("export DBT_CLOUD_API_KEY={KEY}\n"), "DBT_CLOUD_API_KEY"),
            (format!("creds = DbtCloudCredentials(api_key='{KEY}')"), "api_key"),
            (format!("{{\"apiKey\": \"{KEY}\"}}"), "apiKey"),
            (format!("GITHUB_SHA: {KEY}\n"), "GITHUB_SHA"),
        ] {
            let got = hex_values(&text);
            assert_eq!(got.len(), 1, "{text}");
            assert_eq!(got[0].name, name, "{text}");
            assert_eq!(&text[got[0].start..got[0].end], KEY);
        }
    }

    #[test]
    fn other_hex_runs_are_not_values() {
        for text in [
            format!("{KEY}0\n"),
            format!("x = a{KEY}\n"),
            format!("see {KEY}\n"),
            "api-key: 0123456789abcdef\n".to_owned(),
            format!("api-key: {}\n", KEY.to_uppercase()),
        ] {
            assert_eq!(hex_values(&text), vec![], "{text}");
        }
    }

    #[test]
    fn caches_by_name_and_place() {
        let files: Vec<String> = ["oauth_sessions.json", "auth_state.json", "mcp.yml"].map(str::to_owned).to_vec();
        assert_eq!(is_cache_path(".dbt/oauth_sessions.json", &files).as_deref(), Some("oauth_sessions.json"));
        assert_eq!(is_cache_path("home/.dbt/mcp.yml", &files).as_deref(), Some("mcp.yml"));
        assert_eq!(is_cache_path("profiles/auth_state.json", &files).as_deref(), Some("auth_state.json"));
        assert_eq!(is_cache_path("docs/oauth_sessions.json", &files), None);
        assert_eq!(is_cache_path(".dbt/profiles.yml", &files), None);
    }

    #[test]
    fn token_values_of_a_cache() {
        let text = "{\"access_token\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU\", \"expires_in\": 3600, \"refresh_token\": \"r3fr3sh-0paque-v4lue\"}";
        let got: Vec<&str> = cache_secrets(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(got, ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU", "r3fr3sh-0paque-v4lue"]);
        let yaml = "oauth:\n  access_token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\n  host: x\n";
        assert_eq!(cache_secrets(yaml).len(), 1);
    }
}
