//! bmatcuk/doublestar v1.3.4's `Match` (the version Harbor's `go.mod` requires), as Harbor's
//! doublestar selector calls it (`src/lib/selector/selectors/doublestar/selector.go`
//! `match`: an empty pattern matches everything): `*` and `?` within a path component, `**`
//! as a whole component across components, `[...]` classes (`^` negates, `lo-hi` ranges),
//! `{a,b}` alternatives (nested), `\` escapes; a malformed pattern is an error only when the
//! matching reaches the malformed part, as in Go.

use std::fmt;

/// `doublestar.ErrBadPattern` (`path.ErrBadPattern`): the matching met a malformed pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadPattern;

impl fmt::Display for BadPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// Go's `utf8.RuneError`, which `utf8.DecodeRuneInString` also answers for an empty string.
const RUNE_ERROR: char = '\u{FFFD}';

/// Harbor's doublestar `match`: an empty pattern matches; otherwise doublestar's `Match`
/// with `/` as the separator.
pub(crate) fn harbor_match(pattern: &str, value: &str) -> Result<bool, BadPattern> {
    if pattern.is_empty() {
        return Ok(true);
    }
    do_matching(pattern, &split_path(value))
}

/// The first character of `s` and its length, `utf8.DecodeRuneInString`'s way: the rune
/// error and 0 for an empty string.
fn decode(s: &str) -> (char, usize) {
    s.chars()
        .next()
        .map_or((RUNE_ERROR, 0), |c| (c, c.len_utf8()))
}

/// `indexRuneWithEscaping`: the first `r` in `s` not preceded by `\`.
fn index_unescaped(s: &str, r: char) -> Option<usize> {
    let end = s.find(r)?;
    if end > 0 && s.as_bytes()[end - 1] == b'\\' {
        let start = end + r.len_utf8();
        index_unescaped(&s[start..], r).map(|e| e + start)
    } else {
        Some(end)
    }
}

/// `splitPathOnSeparator` with `/`: the components, an escaped `/` not splitting, a
/// trailing `/` giving an empty last component.
fn split_path(path: &str) -> Vec<&str> {
    if !path.contains('/') {
        return vec![path];
    }
    let mut components = Vec::new();
    let mut empty_end = false;
    let mut start = 0;
    while start < path.len() {
        let end = match index_unescaped(&path[start..], '/') {
            None => {
                empty_end = false;
                path.len()
            }
            Some(end) => {
                empty_end = true;
                end + start
            }
        };
        components.push(&path[start..end]);
        start = end + 1;
    }
    if empty_end {
        components.push("");
    }
    components
}

/// `splitAlternatives`: the alternatives of `{...}` (`s` starts after the `{`) and the
/// index after its `}`; `None` when it is not closed.
fn split_alternatives(s: &str) -> Option<(Vec<&str>, usize)> {
    let mut alternatives = Vec::new();
    let (mut idx, mut braces, mut escaped, mut start) = (0, 1, false, 0);
    while braces > 0 {
        if idx >= s.len() {
            return None;
        }
        let (c, adj) = decode(&s[idx..]);
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '{' {
            braces += 1;
        } else if c == '}' {
            braces -= 1;
        } else if c == ',' && braces == 1 {
            alternatives.push(&s[start..idx]);
            start = idx + adj;
        }
        idx += adj;
    }
    alternatives.push(&s[start..idx - 1]);
    Some((alternatives, idx))
}

/// `isZeroLengthPattern`: whether the pattern can match nothing at all.
fn is_zero_length(pattern: &str) -> Result<bool, BadPattern> {
    if pattern.is_empty() || pattern == "*" || pattern == "**" {
        return Ok(true);
    }
    let (c, adj) = decode(pattern);
    if c == '{' {
        let (options, end) = split_alternatives(&pattern[adj..]).ok_or(BadPattern)?;
        if !is_zero_length(&pattern[adj + end..])? {
            return Ok(false);
        }
        for option in options {
            if is_zero_length(option)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `doMatching`: the pattern against the name's components.
fn do_matching(pattern: &str, components: &[&str]) -> Result<bool, BadPattern> {
    let (pattern_len, name_len) = (pattern.len(), components.len());
    if pattern_len == 0 && name_len == 0 {
        return Ok(true);
    }
    if name_len == 0 {
        return Ok(false);
    }
    if pattern_len == 0 && name_len == 1 && components[0].is_empty() {
        return Ok(true);
    }
    let slash = index_unescaped(pattern, '/');
    let slash_idx = slash.unwrap_or(pattern_len);
    if &pattern[..slash_idx] == "**" {
        // A last `**` takes every remaining component; otherwise the rest of the pattern is
        // tried from each component on (its errors ignored, as doublestar does).
        if slash.is_none() {
            return Ok(true);
        }
        let rest = &pattern[slash_idx + 1..];
        return Ok((0..name_len).any(|i| do_matching(rest, &components[i..]).unwrap_or(false)));
    }
    let Some(continuations) = match_component(pattern, components[0])? else {
        return Ok(false);
    };
    if continuations.is_empty() && name_len == 1 {
        return Ok(true);
    }
    if name_len > 1 {
        for rest in &continuations {
            if do_matching(rest, &components[1..])? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `matchComponent`: the pattern against one component. `None` when it does not match;
/// otherwise the patterns left for the next components (none when the pattern is used up).
fn match_component(pattern: &str, name: &str) -> Result<Option<Vec<String>>, BadPattern> {
    let (pattern_len, name_len) = (pattern.len(), name.len());
    let (mut p, mut n) = (0, 0);
    while p < pattern_len && n < name_len {
        let (pat, pat_adj) = decode(&pattern[p..]);
        let (ch, ch_adj) = decode(&name[n..]);
        if pat == '/' {
            p += 1;
            break;
        } else if pat == '\\' {
            p += pat_adj;
            let (escaped, adj) = decode(&pattern[p..]);
            if escaped == RUNE_ERROR {
                return Err(BadPattern);
            } else if escaped == ch {
                p += adj;
                n += ch_adj;
            } else {
                return Ok(None);
            }
        } else if pat == '*' {
            p += pat_adj;
            if p >= pattern_len {
                return Ok(Some(Vec::new()));
            }
            let (next, adj) = decode(&pattern[p..]);
            if next == '/' {
                return Ok(Some(vec![pattern[p + adj..].to_owned()]));
            }
            while n < name_len {
                if let Some(found) = match_component(&pattern[p..], &name[n..])? {
                    return Ok(Some(found));
                }
                n += decode(&name[n..]).1;
            }
            return Ok(None);
        } else if pat == '[' {
            p += pat_adj;
            let end = p + index_unescaped(&pattern[p..], ']').ok_or(BadPattern)?;
            if !class_matches(&pattern[p..end], ch)? {
                return Ok(None);
            }
            p = end + 1;
            n += ch_adj;
        } else if pat == '{' {
            p += pat_adj;
            let (options, end) = split_alternatives(&pattern[p..]).ok_or(BadPattern)?;
            p += end;
            let mut found: Option<Vec<String>> = None;
            for option in options {
                let rest = format!("{option}{}", &pattern[p..]);
                if let Some(more) = match_component(&rest, &name[n..])? {
                    found.get_or_insert_with(Vec::new).extend(more);
                }
            }
            return Ok(found);
        } else if pat == '?' || pat == ch {
            p += pat_adj;
            n += ch_adj;
        } else {
            return Ok(None);
        }
    }
    if n >= name_len {
        if p >= pattern_len {
            return Ok(Some(Vec::new()));
        }
        let rest = &pattern[p..];
        let slash = index_unescaped(rest, '/');
        let head = slash.map_or(rest, |s| &rest[..s]);
        if is_zero_length(head)? {
            return Ok(Some(match slash {
                None => Vec::new(),
                Some(s) => vec![rest[s + 1..].to_owned()],
            }));
        }
    }
    Ok(None)
}

/// A `[...]` class (its inside) against one character: `^` first negates, `lo-hi` is a
/// range, `\` escapes; an empty class, a stray `-` or a trailing `\` is malformed.
fn class_matches(class: &str, ch: char) -> Result<bool, BadPattern> {
    let runes: Vec<char> = class.chars().collect();
    let Some(&first) = runes.first() else {
        return Err(BadPattern);
    };
    let negated = first == '^';
    let mut i = usize::from(negated);
    let mut matched = false;
    // One side of a range, an escaped character taken as itself.
    let side = |i: &mut usize| -> Result<char, BadPattern> {
        let c = runes[*i];
        *i += 1;
        if c != '\\' {
            return Ok(c);
        }
        let escaped = *runes.get(*i).ok_or(BadPattern)?;
        *i += 1;
        Ok(escaped)
    };
    while i < runes.len() {
        if runes[i] == '-' {
            return Err(BadPattern);
        }
        let low = side(&mut i)?;
        let mut high = low;
        if runes.get(i) == Some(&'-') {
            i += 1;
            match runes.get(i) {
                None | Some('-') => return Err(BadPattern),
                Some(_) => high = side(&mut i)?,
            }
        }
        if low <= ch && ch <= high {
            matched = true;
        }
    }
    Ok(matched != negated)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns against values, and what doublestar v1.3.4 answers.
    #[test]
    fn matches_as_doublestar_does() {
        let cases: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("", "anything", Ok(true)),
            ("*", "app", Ok(true)),
            ("*", "team/app", Ok(false)),
            ("**", "team/app", Ok(true)),
            ("**/app", "app", Ok(true)),
            ("**/app", "team/x/app", Ok(true)),
            ("team/*", "team/app", Ok(true)),
            ("a**", "abc", Ok(true)),
            ("a?c", "abc", Ok(true)),
            ("a?c", "ac", Ok(false)),
            ("a?c", "a/c", Ok(false)),
            ("v?.*", "v1.2", Ok(true)),
            ("[a-c]x", "bx", Ok(true)),
            ("[a-c]x", "dx", Ok(false)),
            ("[^a-c]x", "bx", Ok(false)),
            ("[^a-c]x", "dx", Ok(true)),
            ("[!a]x", "!x", Ok(true)),
            ("[^]x", "zx", Ok(true)),
            ("[\\]]", "]", Ok(true)),
            ("CVE-202[34]-*", "CVE-2024-1234", Ok(true)),
            ("CVE-202[34]-*", "CVE-2022-1234", Ok(false)),
            ("{a,b}*", "bz", Ok(true)),
            ("{a,{b,c}}x", "cx", Ok(true)),
            ("{1.*,latest}", "latest", Ok(true)),
            ("x{,y}", "x", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "axb", Ok(false)),
            ("nginx", "nginx", Ok(true)),
            ("nginx", "nginx2", Ok(false)),
            // Malformed parts are errors only when reached.
            ("x[", "x", Ok(false)),
            ("x[", "xy", Err(BadPattern)),
            ("y[", "xy", Ok(false)),
            ("[]a", "a", Err(BadPattern)),
            ("[a-]", "a", Err(BadPattern)),
            ("[-a]", "a", Err(BadPattern)),
            ("[a\\", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("{a,b", "a", Err(BadPattern)),
            ("*[", "ab", Err(BadPattern)),
        ];
        for (pattern, value, want) in cases {
            assert_eq!(
                harbor_match(pattern, value),
                *want,
                "{pattern:?} against {value:?}"
            );
        }
    }

    #[test]
    fn paths_split_at_unescaped_slashes() {
        assert_eq!(split_path("a/b"), ["a", "b"]);
        assert_eq!(split_path("a\\/b/c"), ["a\\/b", "c"]);
        assert_eq!(split_path("a/"), ["a", ""]);
        assert_eq!(split_path("/"), ["", ""]);
        assert_eq!(split_path(""), [""]);
    }
}
