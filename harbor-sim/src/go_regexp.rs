//! Which regular expressions Go's `regexp.Compile` refuses, and with what text.
//!
//! Harbor checks a proxy-cache filter of kind `regex` with
//! `regexp.Compile("^(?:" + pattern + ")$")` (`src/lib/pattern/matcher.go`) and passes the
//! error on. Go's RE2 syntax is not Rust's `regex` syntax (`\C`, `\Q...\E`, `\pN`, the
//! repeat limit of 1000, `(?<name>`, `\z` without `\Z`, ...), so this is a port of the
//! refusal logic of Go's `regexp/syntax` parser with `syntax.Perl` flags, not a mapping of
//! another engine's errors. It builds the same parse tree Go builds (literal merging,
//! alternation factoring, the free list of nodes), because Go's two limits are measured on
//! that tree: `expression too large` (the compiled size, and the runes of character
//! classes) and `expression nests too deeply` (its height).
//!
//! Written from Go 1.26's `src/regexp/syntax/parse.go` and `regexp.go`. What is
//! approximate: the contents of Unicode classes (`\pL`, `\p{Greek}`; the names Go accepts
//! are exact, the code points are not carried) and simple case folding outside ASCII, which
//! only move the two limits at their edges.

use std::collections::HashMap;

/// The error `regexp.Compile` returns for `expr`, as Go prints it
/// (`error parsing regexp: <code>: `<expr>``), or `None` when Go compiles it.
pub fn compile_error(expr: &str) -> Option<String> {
    Parser::new(expr).parse().err().map(|e| {
        let (code, text) = match e {
            Fail::Code(code, text) => (code, text),
            Fail::Large => (ERR_LARGE, expr),
            Fail::Deep => (ERR_NESTING_DEPTH, expr),
        };
        format!("error parsing regexp: {code}: `{text}`")
    })
}

const ERR_INVALID_CHAR_RANGE: &str = "invalid character class range";
const ERR_INVALID_ESCAPE: &str = "invalid escape sequence";
const ERR_INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const ERR_INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const ERR_INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const ERR_INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const ERR_MISSING_BRACKET: &str = "missing closing ]";
const ERR_MISSING_PAREN: &str = "missing closing )";
const ERR_MISSING_REPEAT_ARGUMENT: &str = "missing argument to repetition operator";
const ERR_TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const ERR_UNEXPECTED_PAREN: &str = "unexpected )";
const ERR_NESTING_DEPTH: &str = "expression nests too deeply";
const ERR_LARGE: &str = "expression too large";

/// Why a parse stopped: a syntax error with the sub-expression Go names, or one of the two
/// limits, which Go reports with the whole expression.
enum Fail<'a> {
    Code(&'static str, &'a str),
    Large,
    Deep,
}

type R<'a, T> = Result<T, Fail<'a>>;

// Go's parse flags (`syntax.Flags`).
const FOLD_CASE: u16 = 1;
const CLASS_NL: u16 = 1 << 2;
const DOT_NL: u16 = 1 << 3;
const ONE_LINE: u16 = 1 << 4;
const NON_GREEDY: u16 = 1 << 5;
const PERL_X: u16 = 1 << 6;
const UNICODE_GROUPS: u16 = 1 << 7;
const WAS_DOLLAR: u16 = 1 << 8;
/// `regexp.Compile`'s flags: `syntax.Perl`.
const PERL: u16 = CLASS_NL | ONE_LINE | PERL_X | UNICODE_GROUPS;

const MAX_RUNE: i32 = 0x10_FFFF;
const MAX_REPEAT: i32 = 1000;
const MAX_HEIGHT: i32 = 1000;
/// 128 MB of 40-byte instructions.
const MAX_SIZE: i64 = (128 << 20) / 40;
/// 128 MB of 4-byte runes.
const MAX_RUNES: usize = (128 << 20) / 4;
const MIN_FOLD: i32 = 0x41;
const MAX_FOLD: i32 = 0x1_E943;

/// Go's `syntax.Op`, in Go's order: the parser compares operators by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    NoMatch = 1,
    EmptyMatch,
    Literal,
    CharClass,
    AnyCharNotNl,
    AnyChar,
    BeginLine,
    EndLine,
    BeginText,
    EndText,
    WordBoundary,
    NoWordBoundary,
    Capture,
    Star,
    Plus,
    Quest,
    Repeat,
    Concat,
    Alternate,
    LeftParen = 128,
    VerticalBar,
}

impl Op {
    fn is_pseudo(self) -> bool {
        self >= Op::LeftParen
    }
}

/// A parse-tree node (Go's `syntax.Regexp`); nodes live in the parser's arena.
#[derive(Debug, Clone)]
struct Node {
    op: Op,
    flags: u16,
    sub: Vec<usize>,
    runes: Vec<i32>,
    min: i32,
    max: i32,
    cap: i32,
    name: String,
}

impl Node {
    fn new(op: Op) -> Self {
        Node {
            op,
            flags: 0,
            sub: Vec::new(),
            runes: Vec::new(),
            min: 0,
            max: 0,
            cap: 0,
            name: String::new(),
        }
    }
}

struct Parser<'a> {
    whole: &'a str,
    flags: u16,
    nodes: Vec<Node>,
    stack: Vec<usize>,
    /// Go's free list: freed nodes are handed out again, last freed first, and do not
    /// count as new allocations (`numRegexp`), on which the limit checks depend.
    free: Vec<usize>,
    num_cap: i32,
    num_regexp: i32,
    num_runes: usize,
    repeats: i64,
    height: Option<HashMap<usize, i32>>,
    size: Option<HashMap<usize, i64>>,
}

/// The first character of `s`, or Go's `utf8.RuneError` (with nothing consumed) for none.
fn next_rune(s: &str) -> (i32, &str) {
    match s.chars().next() {
        Some(c) => (c as i32, &s[c.len_utf8()..]),
        None => (0xFFFD, s),
    }
}

/// What `s` lost to become `rest` (both slices of one string, `rest` a suffix of `s`).
fn consumed<'a>(s: &'a str, rest: &str) -> &'a str {
    &s[..s.len() - rest.len()]
}

fn is_alnum(c: i32) -> bool {
    u8::try_from(c).is_ok_and(|b| b.is_ascii_alphanumeric())
}

fn unhex(c: i32) -> i32 {
    char::from_u32(c as u32)
        .and_then(|c| c.to_digit(16))
        .map_or(-1, |d| d as i32)
}

impl<'a> Parser<'a> {
    fn new(whole: &'a str) -> Self {
        Parser {
            whole,
            flags: PERL,
            nodes: Vec::new(),
            stack: Vec::new(),
            free: Vec::new(),
            num_cap: 0,
            num_regexp: 0,
            num_runes: 0,
            repeats: 0,
            height: None,
            size: None,
        }
    }

    fn n(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    fn nm(&mut self, i: usize) -> &mut Node {
        &mut self.nodes[i]
    }

    fn new_node(&mut self, op: Op) -> usize {
        if let Some(i) = self.free.pop() {
            self.nodes[i] = Node::new(op);
            i
        } else {
            self.num_regexp += 1;
            self.nodes.push(Node::new(op));
            self.nodes.len() - 1
        }
    }

    fn reuse(&mut self, i: usize) {
        if let Some(h) = &mut self.height {
            h.remove(&i);
        }
        self.free.push(i);
    }

    fn check_limits(&mut self, i: usize) -> R<'a, ()> {
        if self.num_runes > MAX_RUNES {
            return Err(Fail::Large);
        }
        self.check_size(i)?;
        self.check_height(i)
    }

    fn check_size(&mut self, i: usize) -> R<'a, ()> {
        if self.size.is_none() {
            // Size is tracked only once the node count times the product of the repeat
            // counts seen could exceed the budget.
            if self.repeats == 0 {
                self.repeats = 1;
            }
            if self.n(i).op == Op::Repeat {
                let mut n = self.n(i).max;
                if n == -1 {
                    n = self.n(i).min;
                }
                if n <= 0 {
                    n = 1;
                }
                if i64::from(n) > MAX_SIZE / self.repeats {
                    self.repeats = MAX_SIZE;
                } else {
                    self.repeats *= i64::from(n);
                }
            }
            if i64::from(self.num_regexp) < MAX_SIZE / self.repeats {
                return Ok(());
            }
            self.size = Some(HashMap::new());
            for re in self.stack.clone() {
                self.check_size(re)?;
            }
        }
        if self.calc_size(i, true) > MAX_SIZE {
            return Err(Fail::Large);
        }
        Ok(())
    }

    fn calc_size(&mut self, i: usize, force: bool) -> i64 {
        if !force && let Some(&s) = self.size.as_ref().and_then(|m| m.get(&i)) {
            return s;
        }
        let node = self.n(i);
        let (op, min, max, runes) = (node.op, node.min, node.max, node.runes.len());
        let subs = node.sub.clone();
        let first = subs.first().copied();
        let first_size = |p: &mut Self| first.map_or(0, |s| p.calc_size(s, false));
        let mut size: i64 = match op {
            Op::Literal => runes as i64,
            Op::Capture | Op::Star => 2 + first_size(self),
            Op::Plus | Op::Quest => 1 + first_size(self),
            Op::Concat => subs.iter().map(|&s| self.calc_size(s, false)).sum(),
            Op::Alternate => {
                let sum: i64 = subs.iter().map(|&s| self.calc_size(s, false)).sum();
                sum + (subs.len() as i64 - 1).max(0)
            }
            Op::Repeat => {
                let sub = first_size(self);
                if max == -1 {
                    if min == 0 {
                        2 + sub
                    } else {
                        1 + i64::from(min) * sub
                    }
                } else {
                    i64::from(max) * sub + i64::from(max - min)
                }
            }
            _ => 0,
        };
        size = size.max(1);
        if let Some(m) = &mut self.size {
            m.insert(i, size);
        }
        size
    }

    fn check_height(&mut self, i: usize) -> R<'a, ()> {
        if self.num_regexp < MAX_HEIGHT {
            return Ok(());
        }
        if self.height.is_none() {
            self.height = Some(HashMap::new());
            for re in self.stack.clone() {
                self.check_height(re)?;
            }
        }
        if self.calc_height(i, true) > MAX_HEIGHT {
            return Err(Fail::Deep);
        }
        Ok(())
    }

    fn calc_height(&mut self, i: usize, force: bool) -> i32 {
        if !force && let Some(&h) = self.height.as_ref().and_then(|m| m.get(&i)) {
            return h;
        }
        let mut h = 1;
        for sub in self.n(i).sub.clone() {
            h = h.max(1 + self.calc_height(sub, false));
        }
        if let Some(m) = &mut self.height {
            m.insert(i, h);
        }
        h
    }

    /// Go's `push`; `None` when the node was merged into the literal below it.
    fn push(&mut self, i: usize) -> R<'a, Option<usize>> {
        self.num_runes += self.n(i).runes.len();
        let node = self.n(i);
        let r = node.runes.clone();
        if node.op == Op::CharClass && r.len() == 2 && r[0] == r[1] {
            if self.maybe_concat(r[0], self.flags & !FOLD_CASE) {
                return Ok(None);
            }
            let flags = self.flags & !FOLD_CASE;
            let node = self.nm(i);
            node.op = Op::Literal;
            node.runes.truncate(1);
            node.flags = flags;
        } else if node.op == Op::CharClass
            && (r.len() == 4 && r[0] == r[1] && r[2] == r[3] && fold_pair(r[0], r[2])
                || r.len() == 2 && r[0] + 1 == r[1] && fold_pair(r[0], r[1]))
        {
            if self.maybe_concat(r[0], self.flags | FOLD_CASE) {
                return Ok(None);
            }
            let flags = self.flags | FOLD_CASE;
            let node = self.nm(i);
            node.op = Op::Literal;
            node.runes.truncate(1);
            node.flags = flags;
        } else {
            self.maybe_concat(-1, 0);
        }
        self.stack.push(i);
        self.check_limits(i)?;
        Ok(Some(i))
    }

    fn maybe_concat(&mut self, r: i32, flags: u16) -> bool {
        let n = self.stack.len();
        if n < 2 {
            return false;
        }
        let (re1, re2) = (self.stack[n - 1], self.stack[n - 2]);
        if self.n(re1).op != Op::Literal
            || self.n(re2).op != Op::Literal
            || self.n(re1).flags & FOLD_CASE != self.n(re2).flags & FOLD_CASE
        {
            return false;
        }
        let moved = self.n(re1).runes.clone();
        self.nm(re2).runes.extend(moved);
        if r >= 0 {
            let node = self.nm(re1);
            node.runes = vec![r];
            node.flags = flags;
            return true;
        }
        self.stack.pop();
        self.reuse(re1);
        false
    }

    fn literal(&mut self, mut r: i32) -> R<'a, ()> {
        let i = self.new_node(Op::Literal);
        let flags = self.flags;
        if flags & FOLD_CASE != 0 {
            r = min_fold_rune(r);
        }
        let node = self.nm(i);
        node.flags = flags;
        node.runes = vec![r];
        self.push(i)?;
        Ok(())
    }

    /// Go's `op`: a node of `op` with the current flags, pushed (never merged away).
    fn op(&mut self, op: Op) -> R<'a, usize> {
        let i = self.new_node(op);
        self.nm(i).flags = self.flags;
        self.push(i)?;
        Ok(i)
    }

    fn repeat(
        &mut self,
        op: Op,
        min: i32,
        max: i32,
        before: &'a str,
        mut after: &'a str,
        last_repeat: &'a str,
    ) -> R<'a, &'a str> {
        let mut flags = self.flags;
        if self.flags & PERL_X != 0 {
            if let Some(rest) = after.strip_prefix('?') {
                after = rest;
                flags ^= NON_GREEDY;
            }
            if !last_repeat.is_empty() {
                // Perl does not stack repetition operators: `a**` is an error.
                return Err(Fail::Code(
                    ERR_INVALID_REPEAT_OP,
                    consumed(last_repeat, after),
                ));
            }
        }
        let missing = || Fail::Code(ERR_MISSING_REPEAT_ARGUMENT, consumed(before, after));
        let Some(&sub) = self.stack.last() else {
            return Err(missing());
        };
        if self.n(sub).op.is_pseudo() {
            return Err(missing());
        }
        let re = self.new_node(op);
        let node = self.nm(re);
        node.min = min;
        node.max = max;
        node.flags = flags;
        node.sub = vec![sub];
        let top = self.stack.len() - 1;
        self.stack[top] = re;
        self.check_limits(re)?;
        if op == Op::Repeat && (min >= 2 || max >= 2) && !self.repeat_is_valid(re, MAX_REPEAT) {
            return Err(Fail::Code(ERR_INVALID_REPEAT_SIZE, consumed(before, after)));
        }
        Ok(after)
    }

    /// Whether the repeat counts nested in `i` multiply to at most `n`.
    fn repeat_is_valid(&self, i: usize, mut n: i32) -> bool {
        let node = self.n(i);
        if node.op == Op::Repeat {
            let mut m = node.max;
            if m == 0 {
                return true;
            }
            if m < 0 {
                m = node.min;
            }
            if m > n {
                return false;
            }
            if m > 0 {
                n /= m;
            }
        }
        node.sub.iter().all(|&s| self.repeat_is_valid(s, n))
    }

    fn concat(&mut self) -> R<'a, ()> {
        self.maybe_concat(-1, 0);
        let mut i = self.stack.len();
        while i > 0 && !self.n(self.stack[i - 1]).op.is_pseudo() {
            i -= 1;
        }
        let subs = self.stack.split_off(i);
        let re = if subs.is_empty() {
            self.new_node(Op::EmptyMatch)
        } else {
            self.collapse(subs, Op::Concat)?
        };
        self.push(re)?;
        Ok(())
    }

    fn alternate(&mut self) -> R<'a, ()> {
        let mut i = self.stack.len();
        while i > 0 && !self.n(self.stack[i - 1]).op.is_pseudo() {
            i -= 1;
        }
        let subs = self.stack.split_off(i);
        if let Some(&last) = subs.last() {
            self.clean_alt(last);
        }
        let re = if subs.is_empty() {
            self.new_node(Op::NoMatch)
        } else {
            self.collapse(subs, Op::Alternate)?
        };
        self.push(re)?;
        Ok(())
    }

    /// Go's `cleanAlt`: a class made clean, and a class of every rune (but `\n`) made `.`.
    fn clean_alt(&mut self, i: usize) {
        if self.n(i).op != Op::CharClass {
            return;
        }
        let node = self.nm(i);
        clean_class(&mut node.runes);
        if node.runes == [0, MAX_RUNE] {
            node.runes.clear();
            node.op = Op::AnyChar;
        } else if node.runes == [0, '\n' as i32 - 1, '\n' as i32 + 1, MAX_RUNE] {
            node.runes.clear();
            node.op = Op::AnyCharNotNl;
        }
    }

    fn collapse(&mut self, subs: Vec<usize>, op: Op) -> R<'a, usize> {
        if subs.len() == 1 {
            return Ok(subs[0]);
        }
        let mut re = self.new_node(op);
        let mut list = Vec::with_capacity(subs.len());
        for sub in subs {
            if self.n(sub).op == op {
                list.extend(self.n(sub).sub.clone());
                self.reuse(sub);
            } else {
                list.push(sub);
            }
        }
        if op == Op::Alternate {
            list = self.factor(list)?;
            if list.len() == 1 {
                let old = re;
                re = list[0];
                self.reuse(old);
                return Ok(re);
            }
        }
        self.nm(re).sub = list;
        Ok(re)
    }

    /// Go's `factor`: common literal prefixes, then common leading classes, taken out of
    /// an alternation; runs of single characters made one class; runs of empty matches one.
    fn factor(&mut self, mut sub: Vec<usize>) -> R<'a, Vec<usize>> {
        if sub.len() < 2 {
            return Ok(sub);
        }
        // Round 1: common literal prefixes.
        let mut out = Vec::new();
        let mut str: Vec<i32> = Vec::new();
        let mut strflags = 0;
        let mut start = 0;
        for i in 0..=sub.len() {
            let (mut istr, mut iflags) = (Vec::new(), 0);
            if i < sub.len() {
                (istr, iflags) = self.leading_string(sub[i]);
                if iflags == strflags {
                    let same = str.iter().zip(&istr).take_while(|(a, b)| a == b).count();
                    if same > 0 {
                        str.truncate(same);
                        continue;
                    }
                }
            }
            if i == start + 1 {
                out.push(sub[start]);
            } else if i > start + 1 {
                let prefix = self.new_node(Op::Literal);
                self.nm(prefix).flags = strflags;
                self.nm(prefix).runes = str.clone();
                for item in &mut sub[start..i] {
                    *item = self.remove_leading_string(*item, str.len());
                    self.check_limits(*item)?;
                }
                let suffix = self.collapse(sub[start..i].to_vec(), Op::Alternate)?;
                let re = self.new_node(Op::Concat);
                self.nm(re).sub = vec![prefix, suffix];
                out.push(re);
            }
            start = i;
            str = istr;
            strflags = iflags;
        }
        sub = out;

        // Round 2: common leading single-character classes (or fixed repeats of one).
        let mut out = Vec::new();
        let mut start = 0;
        let mut first: Option<usize> = None;
        for i in 0..=sub.len() {
            let mut ifirst = None;
            if i < sub.len() {
                ifirst = self.leading_regexp(sub[i]);
                if let (Some(f), Some(fi)) = (first, ifirst)
                    && self.equal(f, fi)
                    && (self.is_char_class(f)
                        || self.n(f).op == Op::Repeat
                            && self.n(f).min == self.n(f).max
                            && self
                                .n(f)
                                .sub
                                .first()
                                .is_some_and(|&s| self.is_char_class(s)))
                {
                    continue;
                }
            }
            if i == start + 1 {
                out.push(sub[start]);
            } else if i > start + 1 {
                let Some(prefix) = first else {
                    // A run of more than one shares a leading node.
                    return Ok(out);
                };
                // The prefix is the first one's own node: only the others' are freed.
                for (k, item) in sub[start..i].iter_mut().enumerate() {
                    *item = self.remove_leading_regexp(*item, k != 0);
                    self.check_limits(*item)?;
                }
                let suffix = self.collapse(sub[start..i].to_vec(), Op::Alternate)?;
                let re = self.new_node(Op::Concat);
                self.nm(re).sub = vec![prefix, suffix];
                out.push(re);
            }
            start = i;
            first = ifirst;
        }
        sub = out;

        // Round 3: runs of literals and classes merged into one class.
        let mut out = Vec::new();
        let mut start = 0;
        for i in 0..=sub.len() {
            if i < sub.len() && self.is_char_class(sub[i]) {
                continue;
            }
            if i == start + 1 {
                out.push(sub[start]);
            } else if i > start + 1 {
                let mut max = start;
                for j in start + 1..i {
                    let (a, b) = (self.n(sub[max]), self.n(sub[j]));
                    if a.op < b.op || a.op == b.op && a.runes.len() < b.runes.len() {
                        max = j;
                    }
                }
                sub.swap(start, max);
                for j in start + 1..i {
                    self.merge_char_class(sub[start], sub[j]);
                    self.reuse(sub[j]);
                }
                self.clean_alt(sub[start]);
                out.push(sub[start]);
            }
            if i < sub.len() {
                out.push(sub[i]);
            }
            start = i + 1;
        }
        sub = out;

        // Round 4: runs of empty matches made one.
        let mut out = Vec::new();
        for i in 0..sub.len() {
            if i + 1 < sub.len()
                && self.n(sub[i]).op == Op::EmptyMatch
                && self.n(sub[i + 1]).op == Op::EmptyMatch
            {
                continue;
            }
            out.push(sub[i]);
        }
        Ok(out)
    }

    fn leading_string(&self, mut i: usize) -> (Vec<i32>, u16) {
        if self.n(i).op == Op::Concat && !self.n(i).sub.is_empty() {
            i = self.n(i).sub[0];
        }
        let node = self.n(i);
        if node.op != Op::Literal {
            return (Vec::new(), 0);
        }
        (node.runes.clone(), node.flags & FOLD_CASE)
    }

    fn remove_leading_string(&mut self, i: usize, n: usize) -> usize {
        if self.n(i).op == Op::Concat && !self.n(i).sub.is_empty() {
            let sub = self.remove_leading_string(self.n(i).sub[0], n);
            self.nm(i).sub[0] = sub;
            if self.n(sub).op == Op::EmptyMatch {
                self.reuse(sub);
                match self.n(i).sub.len() {
                    0 | 1 => {
                        let node = self.nm(i);
                        node.op = Op::EmptyMatch;
                        node.sub.clear();
                    }
                    2 => {
                        let next = self.n(i).sub[1];
                        self.reuse(i);
                        return next;
                    }
                    _ => {
                        self.nm(i).sub.remove(0);
                    }
                }
            }
            return i;
        }
        if self.n(i).op == Op::Literal {
            let node = self.nm(i);
            node.runes.drain(..n.min(node.runes.len()));
            if node.runes.is_empty() {
                node.op = Op::EmptyMatch;
            }
        }
        i
    }

    fn leading_regexp(&self, i: usize) -> Option<usize> {
        let node = self.n(i);
        if node.op == Op::EmptyMatch {
            return None;
        }
        if node.op == Op::Concat && !node.sub.is_empty() {
            let sub = node.sub[0];
            if self.n(sub).op == Op::EmptyMatch {
                return None;
            }
            return Some(sub);
        }
        Some(i)
    }

    fn remove_leading_regexp(&mut self, i: usize, reuse: bool) -> usize {
        if self.n(i).op == Op::Concat && !self.n(i).sub.is_empty() {
            if reuse {
                self.reuse(self.n(i).sub[0]);
            }
            self.nm(i).sub.remove(0);
            match self.n(i).sub.len() {
                0 => {
                    self.nm(i).op = Op::EmptyMatch;
                }
                1 => {
                    let only = self.n(i).sub[0];
                    self.reuse(i);
                    return only;
                }
                _ => {}
            }
            return i;
        }
        if reuse {
            self.reuse(i);
        }
        self.new_node(Op::EmptyMatch)
    }

    fn is_char_class(&self, i: usize) -> bool {
        let node = self.n(i);
        node.op == Op::Literal && node.runes.len() == 1
            || matches!(node.op, Op::CharClass | Op::AnyCharNotNl | Op::AnyChar)
    }

    fn match_rune(&self, i: usize, r: i32) -> bool {
        let node = self.n(i);
        match node.op {
            Op::Literal => node.runes.len() == 1 && node.runes[0] == r,
            Op::CharClass => node.runes.chunks(2).any(|p| p[0] <= r && r <= p[1]),
            Op::AnyCharNotNl => r != '\n' as i32,
            Op::AnyChar => true,
            _ => false,
        }
    }

    /// Go's `mergeCharClass`: `dst` becomes `dst|src` (`dst` the more complex).
    fn merge_char_class(&mut self, dst: usize, src: usize) {
        let s = self.n(src).clone();
        let Some(&src_first) = s.runes.first() else {
            if s.op == Op::CharClass && self.n(dst).op == Op::CharClass {
                return;
            }
            if self.n(dst).op == Op::AnyCharNotNl && self.match_rune(src, '\n' as i32) {
                self.nm(dst).op = Op::AnyChar;
            }
            return;
        };
        match self.n(dst).op {
            Op::AnyCharNotNl if self.match_rune(src, '\n' as i32) => {
                self.nm(dst).op = Op::AnyChar;
            }
            Op::CharClass => {
                let d = self.nm(dst);
                if s.op == Op::Literal {
                    append_literal(&mut d.runes, src_first, s.flags);
                } else {
                    append_class(&mut d.runes, &s.runes);
                }
            }
            Op::Literal => {
                let d = self.nm(dst);
                let Some(&first) = d.runes.first() else {
                    return;
                };
                if src_first == first && s.flags == d.flags {
                    return;
                }
                d.op = Op::CharClass;
                d.runes.clear();
                append_literal(&mut d.runes, first, d.flags);
                append_literal(&mut d.runes, src_first, s.flags);
            }
            _ => {}
        }
    }

    fn swap_vertical_bar(&mut self) -> bool {
        let n = self.stack.len();
        if n >= 3
            && self.n(self.stack[n - 2]).op == Op::VerticalBar
            && self.is_char_class(self.stack[n - 1])
            && self.is_char_class(self.stack[n - 3])
        {
            let (mut re1, mut re3) = (self.stack[n - 1], self.stack[n - 3]);
            if self.n(re1).op > self.n(re3).op {
                std::mem::swap(&mut re1, &mut re3);
                self.stack[n - 3] = re3;
            }
            self.merge_char_class(re3, re1);
            self.reuse(re1);
            self.stack.pop();
            return true;
        }
        if n >= 2 {
            let (re1, re2) = (self.stack[n - 1], self.stack[n - 2]);
            if self.n(re2).op == Op::VerticalBar {
                if n >= 3 {
                    self.clean_alt(self.stack[n - 3]);
                }
                self.stack[n - 2] = re1;
                self.stack[n - 1] = re2;
                return true;
            }
        }
        false
    }

    fn parse_vertical_bar(&mut self) -> R<'a, ()> {
        self.concat()?;
        if !self.swap_vertical_bar() {
            self.op(Op::VerticalBar)?;
        }
        Ok(())
    }

    fn parse_right_paren(&mut self) -> R<'a, ()> {
        self.concat()?;
        if self.swap_vertical_bar() {
            self.stack.pop();
        }
        self.alternate()?;
        let n = self.stack.len();
        let unexpected = Fail::Code(ERR_UNEXPECTED_PAREN, self.whole);
        if n < 2 {
            return Err(unexpected);
        }
        let (re1, re2) = (self.stack[n - 1], self.stack[n - 2]);
        self.stack.truncate(n - 2);
        if self.n(re2).op != Op::LeftParen {
            return Err(unexpected);
        }
        self.flags = self.n(re2).flags;
        if self.n(re2).cap == 0 {
            self.push(re1)?;
        } else {
            let node = self.nm(re2);
            node.op = Op::Capture;
            node.sub = vec![re1];
            self.push(re2)?;
        }
        Ok(())
    }

    fn parse(&mut self) -> R<'a, ()> {
        let mut t = self.whole;
        let mut last_repeat: &'a str = "";
        while !t.is_empty() {
            let mut repeat: &'a str = "";
            let b = t.as_bytes()[0];
            match b {
                b'(' => {
                    if self.flags & PERL_X != 0 && t.as_bytes().get(1) == Some(&b'?') {
                        t = self.parse_perl_flags(t)?;
                    } else {
                        self.num_cap += 1;
                        let i = self.op(Op::LeftParen)?;
                        self.nm(i).cap = self.num_cap;
                        t = &t[1..];
                    }
                }
                b'|' => {
                    self.parse_vertical_bar()?;
                    t = &t[1..];
                }
                b')' => {
                    self.parse_right_paren()?;
                    t = &t[1..];
                }
                b'^' => {
                    if self.flags & ONE_LINE != 0 {
                        self.op(Op::BeginText)?;
                    } else {
                        self.op(Op::BeginLine)?;
                    }
                    t = &t[1..];
                }
                b'$' => {
                    if self.flags & ONE_LINE != 0 {
                        let i = self.op(Op::EndText)?;
                        self.nm(i).flags |= WAS_DOLLAR;
                    } else {
                        self.op(Op::EndLine)?;
                    }
                    t = &t[1..];
                }
                b'.' => {
                    if self.flags & DOT_NL != 0 {
                        self.op(Op::AnyChar)?;
                    } else {
                        self.op(Op::AnyCharNotNl)?;
                    }
                    t = &t[1..];
                }
                b'[' => t = self.parse_class(t)?,
                b'*' | b'+' | b'?' => {
                    let op = match b {
                        b'*' => Op::Star,
                        b'+' => Op::Plus,
                        _ => Op::Quest,
                    };
                    let before = t;
                    t = self.repeat(op, 0, 0, before, &t[1..], last_repeat)?;
                    repeat = before;
                }
                b'{' => {
                    let before = t;
                    match parse_repeat(t) {
                        None => {
                            // Not a repeat count: `{` is a literal.
                            self.literal('{' as i32)?;
                            t = &t[1..];
                        }
                        Some((min, max, after)) => {
                            if !(0..=MAX_REPEAT).contains(&min)
                                || max > MAX_REPEAT
                                || max >= 0 && min > max
                            {
                                return Err(Fail::Code(
                                    ERR_INVALID_REPEAT_SIZE,
                                    consumed(before, after),
                                ));
                            }
                            t = self.repeat(Op::Repeat, min, max, before, after, last_repeat)?;
                            repeat = before;
                        }
                    }
                }
                b'\\' => t = self.parse_backslash(t)?,
                _ => {
                    let (c, rest) = next_rune(t);
                    self.literal(c)?;
                    t = rest;
                }
            }
            last_repeat = repeat;
        }
        self.concat()?;
        if self.swap_vertical_bar() {
            self.stack.pop();
        }
        self.alternate()?;
        if self.stack.len() != 1 {
            return Err(Fail::Code(ERR_MISSING_PAREN, self.whole));
        }
        Ok(())
    }

    /// A `\` outside a class: Perl's assertions and `\Q...\E`, a Unicode or Perl class, or
    /// an escaped character.
    fn parse_backslash(&mut self, t: &'a str) -> R<'a, &'a str> {
        if self.flags & PERL_X != 0 && t.len() >= 2 {
            match t.as_bytes()[1] {
                b'A' => {
                    self.op(Op::BeginText)?;
                    return Ok(&t[2..]);
                }
                b'b' => {
                    self.op(Op::WordBoundary)?;
                    return Ok(&t[2..]);
                }
                b'B' => {
                    self.op(Op::NoWordBoundary)?;
                    return Ok(&t[2..]);
                }
                // Any byte: not supported.
                b'C' => return Err(Fail::Code(ERR_INVALID_ESCAPE, &t[..2])),
                b'Q' => {
                    let (lit, rest) = t[2..].split_once("\\E").unwrap_or((&t[2..], ""));
                    for c in lit.chars() {
                        self.literal(c as i32)?;
                    }
                    return Ok(rest);
                }
                b'z' => {
                    self.op(Op::EndText)?;
                    return Ok(&t[2..]);
                }
                _ => {}
            }
        }
        // Go allocates the class node before it knows whether it needs it.
        let re = self.new_node(Op::CharClass);
        self.nm(re).flags = self.flags;
        if t.len() >= 2 && matches!(t.as_bytes()[1], b'p' | b'P') {
            let mut class = Vec::new();
            if let Some(rest) = self.parse_unicode_class(t, &mut class)? {
                self.nm(re).runes = class;
                self.push(re)?;
                return Ok(rest);
            }
        }
        let mut class = Vec::new();
        if let Some(rest) = self.parse_perl_class_escape(t, &mut class) {
            self.nm(re).runes = class;
            self.push(re)?;
            return Ok(rest);
        }
        self.reuse(re);
        let (c, rest) = parse_escape(t)?;
        self.literal(c)?;
        Ok(rest)
    }

    fn parse_perl_flags(&mut self, s: &'a str) -> R<'a, &'a str> {
        let b = s.as_bytes();
        let starts_with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let starts_with_name = b.len() > 3 && b[2] == b'<';
        if starts_with_p || starts_with_name {
            let expr_start = if starts_with_p { 4 } else { 3 };
            let Some(end) = s.find('>') else {
                return Err(Fail::Code(ERR_INVALID_NAMED_CAPTURE, s));
            };
            let capture = &s[..=end];
            let name = s.get(expr_start..end).unwrap_or_default();
            let valid = !name.is_empty() && name.chars().all(|c| c == '_' || is_alnum(c as i32));
            if !valid {
                return Err(Fail::Code(ERR_INVALID_NAMED_CAPTURE, capture));
            }
            self.num_cap += 1;
            let cap = self.num_cap;
            let i = self.op(Op::LeftParen)?;
            let node = self.nm(i);
            node.cap = cap;
            node.name = name.to_owned();
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut flags = self.flags;
        let mut negated = false;
        let mut saw_flag = false;
        while !t.is_empty() {
            let (c, rest) = next_rune(t);
            t = rest;
            match char::from_u32(c as u32).unwrap_or('\0') {
                'i' => {
                    flags |= FOLD_CASE;
                    saw_flag = true;
                }
                'm' => {
                    flags &= !ONE_LINE;
                    saw_flag = true;
                }
                's' => {
                    flags |= DOT_NL;
                    saw_flag = true;
                }
                'U' => {
                    flags |= NON_GREEDY;
                    saw_flag = true;
                }
                '-' => {
                    if negated {
                        break;
                    }
                    negated = true;
                    // Inverted, so that the flags set above clear and vice versa.
                    flags = !flags;
                    saw_flag = false;
                }
                c @ (':' | ')') => {
                    if negated {
                        if !saw_flag {
                            break;
                        }
                        flags = !flags;
                    }
                    if c == ':' {
                        self.op(Op::LeftParen)?;
                    }
                    self.flags = flags;
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(Fail::Code(ERR_INVALID_PERL_OP, consumed(s, t)))
    }

    fn parse_perl_class_escape(&self, s: &'a str, r: &mut Vec<i32>) -> Option<&'a str> {
        if self.flags & PERL_X == 0 || s.len() < 2 || s.as_bytes()[0] != b'\\' {
            return None;
        }
        let (sign, class) = perl_group(s.as_bytes()[1])?;
        self.append_group(r, sign, class);
        Some(&s[2..])
    }

    fn parse_named_class(&self, s: &'a str, r: &mut Vec<i32>) -> R<'a, Option<&'a str>> {
        if !s.starts_with("[:") {
            return Ok(None);
        }
        let Some(i) = s[2..].find(":]") else {
            return Ok(None);
        };
        let i = i + 2;
        let name = &s[..i + 2];
        let Some((sign, class)) = posix_group(name) else {
            return Err(Fail::Code(ERR_INVALID_CHAR_RANGE, name));
        };
        self.append_group(r, sign, class);
        Ok(Some(&s[i + 2..]))
    }

    fn append_group(&self, r: &mut Vec<i32>, sign: i32, class: &[i32]) {
        let mut tmp;
        let class = if self.flags & FOLD_CASE != 0 {
            tmp = Vec::new();
            append_folded_class(&mut tmp, class);
            clean_class(&mut tmp);
            &tmp[..]
        } else {
            class
        };
        if sign < 0 {
            append_negated_class(r, class);
        } else {
            append_class(r, class);
        }
    }

    /// `\pN`, `\p{Name}`, `\PN`, `\p{^Name}`: `Ok(None)` when `s` is no such class.
    fn parse_unicode_class(&self, s: &'a str, r: &mut Vec<i32>) -> R<'a, Option<&'a str>> {
        let b = s.as_bytes();
        if self.flags & UNICODE_GROUPS == 0
            || b.len() < 2
            || b[0] != b'\\'
            || !matches!(b[1], b'p' | b'P')
        {
            return Ok(None);
        }
        let mut sign = if b[1] == b'P' { -1 } else { 1 };
        let (c, mut t) = next_rune(&s[2..]);
        let (seq, mut name);
        if c != '{' as i32 {
            seq = consumed(s, t);
            name = &seq[2..];
        } else {
            let Some(end) = s.find('}') else {
                return Err(Fail::Code(ERR_INVALID_CHAR_RANGE, s));
            };
            seq = &s[..=end];
            t = &s[end + 1..];
            name = &s[3..end];
        }
        if let Some(rest) = name.strip_prefix('^') {
            sign = -sign;
            name = rest;
        }
        let Some((table, tsign)) = unicode_table(name) else {
            return Err(Fail::Code(ERR_INVALID_CHAR_RANGE, seq));
        };
        if tsign < 0 {
            sign = -sign;
        }
        let mut tmp = table;
        if self.flags & FOLD_CASE != 0 {
            let plain = std::mem::take(&mut tmp);
            append_folded_class(&mut tmp, &plain);
            clean_class(&mut tmp);
        }
        if sign > 0 {
            append_class(r, &tmp);
        } else {
            append_negated_class(r, &tmp);
        }
        Ok(Some(t))
    }

    fn parse_class(&mut self, s: &'a str) -> R<'a, &'a str> {
        let mut t = &s[1..];
        let re = self.new_node(Op::CharClass);
        self.nm(re).flags = self.flags;
        let mut class = Vec::new();
        let mut sign = 1;
        if let Some(rest) = t.strip_prefix('^') {
            sign = -1;
            t = rest;
            if self.flags & CLASS_NL == 0 {
                class.extend(['\n' as i32, '\n' as i32]);
            }
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2
                && t.starts_with("[:")
                && let Some(rest) = self.parse_named_class(t, &mut class)?
            {
                t = rest;
                continue;
            }
            if let Some(rest) = self.parse_unicode_class(t, &mut class)? {
                t = rest;
                continue;
            }
            if let Some(rest) = self.parse_perl_class_escape(t, &mut class) {
                t = rest;
                continue;
            }
            let rng = t;
            let (lo, rest) = parse_class_char(t, s)?;
            t = rest;
            let mut hi = lo;
            // `[a-]` is `a` or `-`.
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (h, rest) = parse_class_char(&t[1..], s)?;
                hi = h;
                t = rest;
                if hi < lo {
                    return Err(Fail::Code(ERR_INVALID_CHAR_RANGE, consumed(rng, t)));
                }
            }
            if self.flags & FOLD_CASE == 0 {
                append_range(&mut class, lo, hi);
            } else {
                append_folded_range(&mut class, lo, hi);
            }
        }
        t = &t[1..];
        clean_class(&mut class);
        if sign < 0 {
            negate_class(&mut class);
        }
        self.nm(re).runes = class;
        self.push(re)?;
        Ok(t)
    }

    fn equal_subs(&self, a: &Node, b: &Node) -> bool {
        a.sub.len() == b.sub.len() && a.sub.iter().zip(&b.sub).all(|(&p, &q)| self.equal(p, q))
    }

    /// Go's `Regexp.Equal`.
    fn equal(&self, x: usize, y: usize) -> bool {
        let (a, b) = (self.n(x), self.n(y));
        if a.op != b.op {
            return false;
        }
        match a.op {
            Op::EndText => a.flags & WAS_DOLLAR == b.flags & WAS_DOLLAR,
            Op::Literal | Op::CharClass => a.runes == b.runes,
            Op::Alternate | Op::Concat => self.equal_subs(a, b),
            Op::Star | Op::Plus | Op::Quest => {
                a.flags & NON_GREEDY == b.flags & NON_GREEDY && self.equal_subs(a, b)
            }
            Op::Repeat => {
                a.flags & NON_GREEDY == b.flags & NON_GREEDY
                    && a.min == b.min
                    && a.max == b.max
                    && self.equal_subs(a, b)
            }
            Op::Capture => a.cap == b.cap && a.name == b.name && self.equal_subs(a, b),
            _ => true,
        }
    }
}

/// Go's `parseRepeat`: `{n}`, `{n,}` or `{n,m}` (min, max with -1 for none, the rest);
/// `None` when `s` is no repeat; a count too large reads as min -1.
fn parse_repeat(s: &str) -> Option<(i32, i32, &str)> {
    let s = s.strip_prefix('{')?;
    let (mut min, s) = parse_int(s)?;
    let max;
    let s = if let Some(s) = s.strip_prefix(',') {
        if s.is_empty() {
            return None;
        }
        if s.starts_with('}') {
            max = -1;
            s
        } else {
            let (m, s) = parse_int(s)?;
            max = m;
            if m < 0 {
                min = -1;
            }
            s
        }
    } else {
        if s.is_empty() {
            return None;
        }
        max = min;
        s
    };
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// Go's `parseInt`: decimal digits without a leading zero; -1 for 100,000,000 and more.
fn parse_int(s: &str) -> Option<(i32, &str)> {
    let b = s.as_bytes();
    if b.first().is_none_or(|c| !c.is_ascii_digit()) {
        return None;
    }
    if b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit() {
        return None;
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n: i32 = 0;
    for &d in &b[..digits] {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i32::from(d - b'0');
    }
    Some((n, &s[digits..]))
}

/// Go's `parseEscape`: the character a `\` escape stands for, and the rest.
fn parse_escape(s: &str) -> R<'_, (i32, &str)> {
    let t = &s[1..];
    if t.is_empty() {
        return Err(Fail::Code(ERR_TRAILING_BACKSLASH, ""));
    }
    let (c, mut t) = next_rune(t);
    let invalid = |t: &str| Err(Fail::Code(ERR_INVALID_ESCAPE, consumed(s, t)));
    match char::from_u32(c as u32).unwrap_or('\0') {
        '1'..='7'
            if t.as_bytes()
                .first()
                .is_none_or(|d| !(b'0'..=b'7').contains(d)) =>
        {
            // A single non-zero digit is a backreference: not supported.
            invalid(t)
        }
        '0'..='7' => {
            let mut r = c - '0' as i32;
            for _ in 1..3 {
                match t.as_bytes().first() {
                    Some(d @ b'0'..=b'7') => {
                        r = r * 8 + i32::from(d - b'0');
                        t = &t[1..];
                    }
                    _ => break,
                }
            }
            Ok((r, t))
        }
        'x' => {
            if t.is_empty() {
                return invalid(t);
            }
            let (c, rest) = next_rune(t);
            t = rest;
            if c == '{' as i32 {
                let mut nhex = 0;
                let mut r = 0;
                loop {
                    if t.is_empty() {
                        return invalid(t);
                    }
                    let (c, rest) = next_rune(t);
                    t = rest;
                    if c == '}' as i32 {
                        break;
                    }
                    let v = unhex(c);
                    if v < 0 {
                        return invalid(t);
                    }
                    r = r * 16 + v;
                    if r > MAX_RUNE {
                        return invalid(t);
                    }
                    nhex += 1;
                }
                if nhex == 0 {
                    return invalid(t);
                }
                return Ok((r, t));
            }
            let x = unhex(c);
            let (c, rest) = next_rune(t);
            t = rest;
            let y = unhex(c);
            if x < 0 || y < 0 {
                return invalid(t);
            }
            Ok((x * 16 + y, t))
        }
        'a' => Ok((7, t)),
        'f' => Ok((12, t)),
        'n' => Ok((10, t)),
        'r' => Ok((13, t)),
        't' => Ok((9, t)),
        'v' => Ok((11, t)),
        // Escaped punctuation is itself; an escaped letter or digit Go does not know is
        // an error (Go once refused `\_`, and no longer does).
        _ if c < 0x80 && !is_alnum(c) => Ok((c, t)),
        _ => invalid(t),
    }
}

/// Go's `parseClassChar`: `wholeClass` is what Go names when the class never closes.
fn parse_class_char<'a>(s: &'a str, whole_class: &'a str) -> R<'a, (i32, &'a str)> {
    if s.is_empty() {
        return Err(Fail::Code(ERR_MISSING_BRACKET, whole_class));
    }
    if s.starts_with('\\') {
        return parse_escape(s);
    }
    Ok(next_rune(s))
}

fn perl_group(c: u8) -> Option<(i32, &'static [i32])> {
    const D: &[i32] = &[0x30, 0x39];
    const S: &[i32] = &[0x9, 0xa, 0xc, 0xd, 0x20, 0x20];
    const W: &[i32] = &[0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
    Some(match c {
        b'd' => (1, D),
        b'D' => (-1, D),
        b's' => (1, S),
        b'S' => (-1, S),
        b'w' => (1, W),
        b'W' => (-1, W),
        _ => return None,
    })
}

fn posix_group(name: &str) -> Option<(i32, &'static [i32])> {
    let (sign, base) = match name.strip_prefix("[:^") {
        Some(rest) => (-1, rest),
        None => (1, name.strip_prefix("[:")?),
    };
    let class: &'static [i32] = match base {
        "alnum:]" => &[0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
        "alpha:]" => &[0x41, 0x5a, 0x61, 0x7a],
        "ascii:]" => &[0x0, 0x7f],
        "blank:]" => &[0x9, 0x9, 0x20, 0x20],
        "cntrl:]" => &[0x0, 0x1f, 0x7f, 0x7f],
        "digit:]" => &[0x30, 0x39],
        "graph:]" => &[0x21, 0x7e],
        "lower:]" => &[0x61, 0x7a],
        "print:]" => &[0x20, 0x7e],
        "punct:]" => &[0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
        "space:]" => &[0x9, 0xd, 0x20, 0x20],
        "upper:]" => &[0x41, 0x5a],
        "word:]" => &[0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
        "xdigit:]" => &[0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
        _ => return None,
    };
    Some((sign, class))
}

/// Go's `canonicalName`: a leading capital, the rest lower case, without `_`, `-` and spaces.
fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().filter(|c| !matches!(c, '_' | '-' | ' ')) {
        if out.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Go 1.26's general categories (`unicode.Categories`, `LC` and `Cn` included).
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// `unicode.CategoryAliases` (Unicode's `PropertyValueAliases.txt`, `gc` rows).
const CATEGORY_ALIASES: &[(&str, &str)] = &[
    ("Other", "C"),
    ("Control", "Cc"),
    ("cntrl", "Cc"),
    ("Format", "Cf"),
    ("Unassigned", "Cn"),
    ("Private_Use", "Co"),
    ("Surrogate", "Cs"),
    ("Letter", "L"),
    ("Cased_Letter", "LC"),
    ("Lowercase_Letter", "Ll"),
    ("Modifier_Letter", "Lm"),
    ("Other_Letter", "Lo"),
    ("Titlecase_Letter", "Lt"),
    ("Uppercase_Letter", "Lu"),
    ("Mark", "M"),
    ("Combining_Mark", "M"),
    ("Spacing_Mark", "Mc"),
    ("Enclosing_Mark", "Me"),
    ("Nonspacing_Mark", "Mn"),
    ("Number", "N"),
    ("Decimal_Number", "Nd"),
    ("digit", "Nd"),
    ("Letter_Number", "Nl"),
    ("Other_Number", "No"),
    ("Punctuation", "P"),
    ("punct", "P"),
    ("Connector_Punctuation", "Pc"),
    ("Dash_Punctuation", "Pd"),
    ("Close_Punctuation", "Pe"),
    ("Final_Punctuation", "Pf"),
    ("Initial_Punctuation", "Pi"),
    ("Other_Punctuation", "Po"),
    ("Open_Punctuation", "Ps"),
    ("Symbol", "S"),
    ("Currency_Symbol", "Sc"),
    ("Modifier_Symbol", "Sk"),
    ("Math_Symbol", "Sm"),
    ("Other_Symbol", "So"),
    ("Separator", "Z"),
    ("Line_Separator", "Zl"),
    ("Paragraph_Separator", "Zp"),
    ("Space_Separator", "Zs"),
];

/// `unicode.Scripts` of Go 1.26 (Unicode 17.0.0).
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Beria_Erfe",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chisoi",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Garay",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Gurung_Khema",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Kirat_Rai",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Ol_Onal",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "Sidetic",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Sunuwar",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Tai_Yo",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Todhri",
    "Tolong_Siki",
    "Toto",
    "Tulu_Tigalari",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Go's `unicodeTable`: the class a `\p` name stands for and its sign, or `None` for a name
/// Go does not know (looked up by its canonical form: any case, `_`, `-` and spaces
/// ignored). The code points are exact for `Any`, `ASCII`, `Zl`, `Zp`, `Zs` and `Z`; for the
/// other names a stand-in class of two private-use code points unique to the name, which
/// keeps the parse tree's shape but not Go's rune counts.
fn unicode_table(name: &str) -> Option<(Vec<i32>, i32)> {
    let canon = canonical_name(name);
    let zs = vec![
        0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x202f, 0x202f, 0x205f, 0x205f,
        0x3000, 0x3000,
    ];
    let stand_in = |k: usize| {
        let base = 0xF_0000 + 4 * k as i32;
        vec![base, base, base + 2, base + 2]
    };
    let category = |cat: &str| -> Vec<i32> {
        match cat {
            "Zl" => vec![0x2028, 0x2028],
            "Zp" => vec![0x2029, 0x2029],
            "Zs" => zs.clone(),
            "Z" => {
                let mut z = zs.clone();
                append_range(&mut z, 0x2028, 0x2029);
                clean_class(&mut z);
                z
            }
            _ => stand_in(CATEGORIES.iter().position(|c| *c == cat).unwrap_or(0) + 1),
        }
    };
    match canon.as_str() {
        "Any" => return Some((vec![0, MAX_RUNE], 1)),
        // Every code point but the unassigned (`Cn`, inverted).
        "Assigned" => return Some((category("Cn"), -1)),
        "Ascii" => return Some((vec![0, 0x7f], 1)),
        "Lc" => return Some((stand_in(0), 1)),
        _ => {}
    }
    if let Some(cat) = CATEGORIES.iter().find(|c| **c == canon) {
        return Some((category(cat), 1));
    }
    if let Some(k) = SCRIPTS.iter().position(|s| canonical_name(s) == canon) {
        return Some((stand_in(CATEGORIES.len() + 1 + k), 1));
    }
    let (_, cat) = CATEGORY_ALIASES
        .iter()
        .find(|(alias, _)| canonical_name(alias) == canon)?;
    if *cat == "LC" {
        return Some((stand_in(0), 1));
    }
    Some((category(cat), 1))
}

/// The runes simple case folding makes equivalent to `c` (its orbit), sorted, `c` included.
/// Exact for ASCII (with U+017F and U+212A, which fold to `s` and `k`); elsewhere the single
/// character case mappings, closed under themselves.
fn fold_orbit(c: i32) -> Vec<i32> {
    if !has_case(c) {
        return vec![c];
    }
    let mut orbit = vec![c];
    let mut i = 0;
    while i < orbit.len() && orbit.len() < 8 {
        let x = orbit[i];
        let mut more = Vec::new();
        if let Some(ch) = char::from_u32(x as u32) {
            for mapped in [
                ch.to_lowercase().collect::<Vec<_>>(),
                ch.to_uppercase().collect::<Vec<_>>(),
            ] {
                if let [m] = mapped[..] {
                    more.push(m as i32);
                }
            }
        }
        match x {
            0x4b | 0x6b => more.push(0x212a),
            0x53 | 0x73 => more.push(0x17f),
            _ => {}
        }
        for m in more {
            if !orbit.contains(&m) {
                orbit.push(m);
            }
        }
        i += 1;
    }
    orbit.sort_unstable();
    orbit
}

/// Whether `c` has another case (or is one of the letters U+017F and U+212A fold to): most
/// code points have none, and a class under `(?i)` asks this of every code point it holds.
fn has_case(c: i32) -> bool {
    let Some(ch) = char::from_u32(c as u32) else {
        return false;
    };
    matches!(c, 0x4b | 0x6b | 0x53 | 0x73)
        || !ch.to_lowercase().eq(std::iter::once(ch))
        || !ch.to_uppercase().eq(std::iter::once(ch))
}

/// Whether `a` and `b` fold only to each other (Go: `SimpleFold(a) == b && SimpleFold(b) == a`).
fn fold_pair(a: i32, b: i32) -> bool {
    a != b
        && fold_orbit(a) == {
            let mut pair = vec![a, b];
            pair.sort_unstable();
            pair
        }
}

fn min_fold_rune(r: i32) -> i32 {
    if !(MIN_FOLD..=MAX_FOLD).contains(&r) {
        return r;
    }
    fold_orbit(r)[0]
}

/// Go's `cleanClass`: ranges sorted (by low end, then high end descending) and merged.
fn clean_class(r: &mut Vec<i32>) {
    let mut pairs: Vec<(i32, i32)> = r.chunks(2).map(|p| (p[0], p[1])).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(pairs.len());
    for (lo, hi) in pairs {
        if let Some(last) = out.last_mut()
            && lo <= last.1 + 1
        {
            last.1 = last.1.max(hi);
            continue;
        }
        out.push((lo, hi));
    }
    r.clear();
    for (lo, hi) in out {
        r.extend([lo, hi]);
    }
}

fn append_literal(r: &mut Vec<i32>, x: i32, flags: u16) {
    if flags & FOLD_CASE != 0 {
        append_folded_range(r, x, x);
    } else {
        append_range(r, x, x);
    }
}

/// Go's `appendRange`: merged into one of the last two ranges when it touches one.
fn append_range(r: &mut Vec<i32>, lo: i32, hi: i32) {
    let n = r.len();
    for i in [2, 4] {
        if n >= i {
            let (rlo, rhi) = (r[n - i], r[n - i + 1]);
            if lo <= rhi + 1 && rlo <= hi + 1 {
                if lo < rlo {
                    r[n - i] = lo;
                }
                if hi > rhi {
                    r[n - i + 1] = hi;
                }
                return;
            }
        }
    }
    r.extend([lo, hi]);
}

fn append_folded_range(r: &mut Vec<i32>, mut lo: i32, mut hi: i32) {
    if lo <= MIN_FOLD && hi >= MAX_FOLD || hi < MIN_FOLD || lo > MAX_FOLD {
        append_range(r, lo, hi);
        return;
    }
    if lo < MIN_FOLD {
        append_range(r, lo, MIN_FOLD - 1);
        lo = MIN_FOLD;
    }
    if hi > MAX_FOLD {
        append_range(r, MAX_FOLD + 1, hi);
        hi = MAX_FOLD;
    }
    for c in lo..=hi {
        append_range(r, c, c);
        if !has_case(c) {
            continue;
        }
        // Go walks the orbit upwards from `c`, wrapping around.
        let orbit = fold_orbit(c);
        for &f in orbit
            .iter()
            .filter(|&&f| f > c)
            .chain(orbit.iter().filter(|&&f| f < c))
        {
            append_range(r, f, f);
        }
    }
}

fn append_class(r: &mut Vec<i32>, x: &[i32]) {
    for p in x.chunks(2) {
        append_range(r, p[0], p[1]);
    }
}

fn append_folded_class(r: &mut Vec<i32>, x: &[i32]) {
    for p in x.chunks(2) {
        append_folded_range(r, p[0], p[1]);
    }
}

fn append_negated_class(r: &mut Vec<i32>, x: &[i32]) {
    let mut next_lo = 0;
    for p in x.chunks(2) {
        if next_lo < p[0] {
            append_range(r, next_lo, p[0] - 1);
        }
        next_lo = p[1] + 1;
    }
    if next_lo <= MAX_RUNE {
        append_range(r, next_lo, MAX_RUNE);
    }
}

fn negate_class(r: &mut Vec<i32>) {
    let mut out = Vec::with_capacity(r.len() + 2);
    let mut next_lo = 0;
    for p in r.chunks(2) {
        if next_lo < p[0] {
            out.extend([next_lo, p[0] - 1]);
        }
        next_lo = p[1] + 1;
    }
    if next_lo <= MAX_RUNE {
        out.extend([next_lo, MAX_RUNE]);
    }
    *r = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(expr: &str) -> Option<String> {
        compile_error(expr)
    }

    /// As Harbor compiles a filter pattern.
    fn harbor(pattern: &str) -> Option<String> {
        compile_error(&format!("^(?:{pattern})$"))
    }

    #[test]
    fn each_error_kind_with_the_expression_go_names() {
        let cases: &[(&str, &str, &str)] = &[
            ("(", ERR_MISSING_PAREN, "("),
            ("(a|b", ERR_MISSING_PAREN, "(a|b"),
            (")", ERR_UNEXPECTED_PAREN, ")"),
            ("a|b)", ERR_UNEXPECTED_PAREN, "a|b)"),
            ("[a-z", ERR_MISSING_BRACKET, "[a-z"),
            ("([a-z)", ERR_MISSING_BRACKET, "[a-z)"),
            ("[a", ERR_MISSING_BRACKET, "[a"),
            // `[:alpha:` without `:]` is no POSIX class: its characters are the class's.
            ("[[:alpha:", ERR_MISSING_BRACKET, "[[:alpha:"),
            ("[]", ERR_MISSING_BRACKET, "[]"),
            ("a\\", ERR_TRAILING_BACKSLASH, ""),
            ("[a\\", ERR_TRAILING_BACKSLASH, ""),
            ("\\C", ERR_INVALID_ESCAPE, "\\C"),
            ("a\\q", ERR_INVALID_ESCAPE, "\\q"),
            ("\\1", ERR_INVALID_ESCAPE, "\\1"),
            ("\\8", ERR_INVALID_ESCAPE, "\\8"),
            ("\\x", ERR_INVALID_ESCAPE, "\\x"),
            ("\\xg0", ERR_INVALID_ESCAPE, "\\xg0"),
            ("\\x{}", ERR_INVALID_ESCAPE, "\\x{}"),
            ("\\x{110000}", ERR_INVALID_ESCAPE, "\\x{110000"),
            ("\\x{12", ERR_INVALID_ESCAPE, "\\x{12"),
            ("\\Z", ERR_INVALID_ESCAPE, "\\Z"),
            ("[\\b]", ERR_INVALID_ESCAPE, "\\b"),
            ("[a-Z]", ERR_INVALID_CHAR_RANGE, "a-Z"),
            ("(?i)[a-Z]", ERR_INVALID_CHAR_RANGE, "a-Z"),
            ("[z-a]", ERR_INVALID_CHAR_RANGE, "z-a"),
            ("[[:foo:]]", ERR_INVALID_CHAR_RANGE, "[:foo:]"),
            ("\\p{Foo}", ERR_INVALID_CHAR_RANGE, "\\p{Foo}"),
            ("\\pX", ERR_INVALID_CHAR_RANGE, "\\pX"),
            ("\\p", ERR_INVALID_CHAR_RANGE, "\\p"),
            ("\\p{Greek", ERR_INVALID_CHAR_RANGE, "\\p{Greek"),
            ("*", ERR_MISSING_REPEAT_ARGUMENT, "*"),
            ("(*)", ERR_MISSING_REPEAT_ARGUMENT, "*"),
            ("a|*", ERR_MISSING_REPEAT_ARGUMENT, "*"),
            ("{1}", ERR_MISSING_REPEAT_ARGUMENT, "{1}"),
            ("+?", ERR_MISSING_REPEAT_ARGUMENT, "+?"),
            ("a**", ERR_INVALID_REPEAT_OP, "**"),
            ("a++", ERR_INVALID_REPEAT_OP, "++"),
            ("a*?+", ERR_INVALID_REPEAT_OP, "*?+"),
            ("a{1}*", ERR_INVALID_REPEAT_OP, "{1}*"),
            ("a{1,2}{3}", ERR_INVALID_REPEAT_OP, "{1,2}{3}"),
            ("x{1001}", ERR_INVALID_REPEAT_SIZE, "{1001}"),
            ("x{2,1}", ERR_INVALID_REPEAT_SIZE, "{2,1}"),
            ("x{9876543210}", ERR_INVALID_REPEAT_SIZE, "{9876543210}"),
            ("x{1,9876543210}", ERR_INVALID_REPEAT_SIZE, "{1,9876543210}"),
            ("a{100000,}", ERR_INVALID_REPEAT_SIZE, "{100000,}"),
            ("(?:[a-z]{4}){0,251}", ERR_INVALID_REPEAT_SIZE, "{0,251}"),
            (
                "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
                ERR_INVALID_REPEAT_SIZE,
                "{2}",
            ),
            ("(?P<name>a", ERR_MISSING_PAREN, "(?P<name>a"),
            ("(?P<name", ERR_INVALID_NAMED_CAPTURE, "(?P<name"),
            ("(?P<x y>a)", ERR_INVALID_NAMED_CAPTURE, "(?P<x y>"),
            ("(?P<>a)", ERR_INVALID_NAMED_CAPTURE, "(?P<>"),
            ("(?<x y>a)", ERR_INVALID_NAMED_CAPTURE, "(?<x y>"),
            ("(?<>a)", ERR_INVALID_NAMED_CAPTURE, "(?<>"),
            ("(?<=a)b", ERR_INVALID_NAMED_CAPTURE, "(?<=a)b"),
            ("(?P=name)", ERR_INVALID_PERL_OP, "(?P"),
            ("(?=a)", ERR_INVALID_PERL_OP, "(?="),
            ("(?!a)", ERR_INVALID_PERL_OP, "(?!"),
            ("(?i-)a", ERR_INVALID_PERL_OP, "(?i-)"),
            ("(?--i)", ERR_INVALID_PERL_OP, "(?--"),
            ("(?x)", ERR_INVALID_PERL_OP, "(?x"),
            ("(?", ERR_INVALID_PERL_OP, "(?"),
            ("\\Q\\E*", ERR_MISSING_REPEAT_ARGUMENT, "*"),
        ];
        for (expr, code, named) in cases {
            assert_eq!(
                err(expr),
                Some(format!("error parsing regexp: {code}: `{named}`")),
                "{expr}"
            );
        }
    }

    #[test]
    fn go_test_inputs_refused() {
        // Go's own `invalidRegexps` (`src/regexp/syntax/parse_test.go`), less invalid UTF-8,
        // which no JSON string can carry.
        for expr in [
            "(",
            ")",
            "(a",
            "a)",
            "(a))",
            "(a|b|",
            "a|b|)",
            "(a|b|))",
            "(a|b",
            "a|b)",
            "(a|b))",
            "[a-z",
            "([a-z)",
            "[a-z)",
            "([a-z]))",
            "x{1001}",
            "x{9876543210}",
            "x{2,1}",
            "x{1,9876543210}",
            "(?P<name>a",
            "(?P<name>",
            "(?P<name",
            "(?P<x y>a)",
            "(?P<>a)",
            "(?<name>a",
            "(?<name>",
            "(?<name",
            "(?<x y>a)",
            "(?<>a)",
            "[a-Z]",
            "(?i)[a-Z]",
            "\\Q\\E*",
            "a{100000}",
            "a{100000,}",
            "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
            "(?:[a-z]{4}){0,251}",
            "a++",
            "a**",
            "a?*",
            "a+*",
            "a{1}*",
            ".{1}{2}.{3}",
        ] {
            assert!(err(expr).is_some(), "{expr} should be refused");
        }
        assert_eq!(
            err(&format!("{}{}", "(".repeat(1000), ")".repeat(1000))),
            Some(format!(
                "error parsing regexp: {ERR_NESTING_DEPTH}: `{}{}`",
                "(".repeat(1000),
                ")".repeat(1000)
            ))
        );
        let deep = format!("{}{}", "(?:".repeat(1000), ")*".repeat(1000));
        assert!(
            err(&deep).is_some_and(|e| e.contains(ERR_NESTING_DEPTH)),
            "(?: nests"
        );
        let long = format!("({}){{1000}}", "(xx?)".repeat(1000));
        assert_eq!(
            err(&long),
            Some(format!("error parsing regexp: {ERR_LARGE}: `{long}`"))
        );
        let long = "(xx?){1000}".repeat(1000);
        assert!(
            err(&long).is_some_and(|e| e.contains(ERR_LARGE)),
            "too long"
        );
    }

    #[test]
    fn go_test_inputs_accepted() {
        // Go's `parseTests` that parse with `syntax.Perl`, its `onlyPerl`, and the limits
        // just within reach.
        for expr in [
            "a",
            "a.",
            "abc|abd|aef|bcx|bcy",
            "ax+y|ax+z|ay+w",
            "x{1001",
            "x{9876543210",
            "x{2,1",
            "a{,2}",
            "",
            "|",
            "|x|",
            "\\|",
            "\\_",
            "\\-",
            "{",
            "}",
            "a*{",
            "[a-b-c]",
            "\\Qabc\\E",
            "\\Q*+?{[\\E",
            "\\Q\\\\E",
            "\\Q\\\\\\E",
            "(?:a)",
            "(?P<name>a)",
            "(?<name>a)",
            "[[:lower:]]",
            "[^[:lower:]]",
            "[[:^lower:]]",
            "(?i)[[:lower:]]",
            "\\d",
            "\\D",
            "\\s\\S\\w\\W",
            "[^\\\\]",
            "\\p{Braille}",
            "\\P{Braille}",
            "\\p{^Braille}",
            "\\P{^Braille}",
            "\\pZ",
            "[\\p{Braille}]",
            "\\p{Lu}",
            "\\p{Uppercase_Letter}",
            "\\p{upper case-let ter}",
            "\\p{__upper case-let ter}",
            "\\p{Canadian_Aboriginal}",
            "(?i)[\\p{Lu}]",
            "\\p{Any}",
            "\\p{^Any}",
            "(?i)\\p{ascii}",
            "\\p{Assigned}",
            "\\p{greek}",
            "[\\012-\\234]\\141",
            "[\\x{41}-\\x7a]\\x61",
            "[α-ε☺]",
            "(?i)abc|ABD",
            "x{2}y|x{2}[0-9]y",
            "a.*?c|a.*?b",
            "(?m)^$\\A\\z\\b\\B",
            "(?U)a+",
            "(?i-s:a.)",
            "(?sm-i)x",
            "(?:.|(?:.a))",
            "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
            "((((((((((x{1}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
            "(?:[a-z]{4}){0,250}",
            "x{1000}",
            "x{0,1000}",
            "a{1}?",
            "a*?",
            "[]a]",
            "[^]a]",
            "[-a]",
            "[a-]",
            "[\\-\\]]",
            "[\\d-z]",
            "\\x{10FFFF}",
            "\\0\\07\\077\\0777",
            "\\a\\f\\n\\r\\t\\v",
            "[[:alpha:]-z]",
            "[[:alpha:]]",
            "\\pN",
            "\\p{Nd}",
            "\\p{Letter}",
            "\\p{Lc}",
            "\\p{Tulu_Tigalari}",
        ] {
            assert_eq!(err(expr), None, "{expr} should compile");
        }
        assert_eq!(
            err(&format!("{}{}", "(".repeat(999), ")".repeat(999))),
            None
        );
        assert_eq!(
            err(&format!("{}{}", "(?:".repeat(999), ")*".repeat(999))),
            None
        );
        assert_eq!(err(&format!("({})", "|".repeat(12345))), None);
    }

    #[test]
    fn go_regexp_package_good_and_bad() {
        // `goodRe` and `badRe` of Go's `src/regexp/all_test.go`, which checks that the error
        // holds the text given, and patterns of its replace tests (a name used twice).
        for expr in [
            "",
            ".",
            "^.$",
            "a",
            "a*",
            "a+",
            "a?",
            "a|b",
            "a*|b*",
            "(a*|b)(c*|d)",
            "[a-z]",
            "[a-abc-c\\-\\]\\[]",
            "[a-z]+",
            "[abc]",
            "[^1234]",
            "[^\\n]",
            "\\!\\\\",
            "(?P<x>hi)|(?P<x>bye)",
            "((a(b){0}){3}){5}(h)",
            "(a)(((b))){0}c",
            "!@#\\$%\\^&\\*\\(\\)_\\+-=\\[\\{\\]\\}\\\\\\|,<\\.>/\\?~",
        ] {
            assert_eq!(err(expr), None, "{expr} should compile");
        }
        for (expr, want) in [
            ("*", "missing argument to repetition operator: `*`"),
            ("+", "missing argument to repetition operator: `+`"),
            ("?", "missing argument to repetition operator: `?`"),
            ("(abc", "missing closing ): `(abc`"),
            ("abc)", "unexpected ): `abc)`"),
            ("x[a-z", "missing closing ]: `[a-z`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("abc\\", "trailing backslash at end of expression"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a*+", "invalid nested repetition operator: `*+`"),
            ("\\x", "invalid escape sequence: `\\x`"),
        ] {
            let got = err(expr).unwrap_or_default();
            assert!(got.contains(want), "{expr}: {got}");
        }
    }

    #[test]
    fn harbor_wraps_the_pattern_so_errors_name_the_wrapped_text() {
        for (pattern, want) in [
            (
                "library/(nginx",
                "missing closing ): `^(?:library/(nginx)$`",
            ),
            ("library/nginx)", "unexpected ): `^(?:library/nginx))$`"),
            ("library/[a-z", "missing closing ]: `[a-z)$`"),
            // The `)` Harbor appends is escaped: the paren never closes.
            ("library\\", "missing closing ): `^(?:library\\)$`"),
            ("*/nginx", "missing argument to repetition operator: `*`"),
            ("lib/**", "invalid nested repetition operator: `**`"),
            ("lib/\\d{1001}", "invalid repeat count: `{1001}`"),
            ("(?P<x-y>a)", "invalid named capture: `(?P<x-y>`"),
            ("(?<=a)b", "invalid named capture: `(?<=a)b)$`"),
            (
                "\\p{Klingon}",
                "invalid character class range: `\\p{Klingon}`",
            ),
        ] {
            assert_eq!(
                harbor(pattern),
                Some(format!("error parsing regexp: {want}")),
                "{pattern}"
            );
        }
        // Go takes a capture name that starts with a digit.
        assert_eq!(harbor("(?P<1st>a)"), None);
        assert_eq!(harbor("library/.*"), None);
        assert_eq!(harbor("(?i)LIB/(nginx|redis)-[0-9]+"), None);
        assert_eq!(harbor("(?P<first>a)"), None);
    }

    #[test]
    fn expression_too_large_from_short_patterns() {
        let big = "(?:a{1000}a{1000}a{1000}a{1000}){1000}";
        assert_eq!(
            harbor(big),
            Some(format!("error parsing regexp: {ERR_LARGE}: `^(?:{big})$`"))
        );
        // Under the size budget, the product of the nested counts is what Go refuses.
        assert_eq!(
            harbor("(?:a{1000}){1000}"),
            Some("error parsing regexp: invalid repeat count: `{1000}`".into())
        );
    }
}
