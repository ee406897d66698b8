//! Go's `encoding/json` `Unmarshal` as far as Harbor's answers depend on it: which texts it
//! refuses, and with what error, when Harbor decodes a JSON document held in a string field
//! (a preheat policy's `filters`, `trigger` and `extra_attrs`, `Schema.Decode`).
//!
//! Two stages, as in Go: `checkValid` runs the scanner over the whole text first (a
//! `SyntaxError`: `invalid character 'x' looking for beginning of value`, `unexpected end of
//! JSON input`, ...; the scanner's state machine is ported from Go's `scanner.go`, whose
//! messages have not changed since Go 1.0 but for `exceeded max depth`), then the value is
//! decoded into the Go type ([`Shape`]), where a value of the wrong kind is an
//! `UnmarshalTypeError`, saved while decoding goes on, the first one returned:
//! `json: cannot unmarshal <kind> into Go value of type <type>`, or inside a struct
//! `json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`, the
//! struct's type name (empty for an anonymous struct) and the JSON names from the decoded
//! value down to the field. `null` decodes into anything. Object keys find struct fields by
//! exact name first, else ignoring case; unknown keys are skipped; a repeated key is decoded
//! each time.
//!
//! [`marshal`] writes back what such a decode into `interface {}` gives, as `json.Marshal`
//! does (a chart's dependencies' `import-values`).

use std::fmt;

/// Go's `maxNestingDepth`.
const MAX_NESTING_DEPTH: usize = 10_000;

/// The Go type a text is decoded into.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `any`: every value.
    Any,
    /// `string`.
    String,
    /// A slice (`[]*policy.Filter`) of elements of the given shape; `type_name` is Go's
    /// `reflect.Type.String()`.
    Slice {
        type_name: &'static str,
        element: &'static Shape,
    },
    /// `map[string]interface {}`.
    MapOfAny,
    /// A struct, or a pointer to one (decoded alike): its type name as Go prints it
    /// (`policy.Trigger`, or the literal type of an anonymous struct), the name
    /// `reflect.Type.Name()` gives (empty for an anonymous struct) and its fields by JSON name.
    Struct {
        type_name: &'static str,
        name: &'static str,
        fields: &'static [(&'static str, Shape)],
    },
    /// `bool`.
    Bool,
    /// An integer type (`int64`, `int32`, `uint64`, ...) of `bits` bits.
    Int {
        type_name: &'static str,
        bits: u32,
        unsigned: bool,
    },
    /// `float64` or `float32`.
    Float { type_name: &'static str, bits: u32 },
    /// A named string type (`models.EventType`).
    NamedString(&'static str),
    /// `strfmt.DateTime`, which decodes itself (`UnmarshalJSON`): a string `strfmt` parses, or
    /// `null`; its error ends the decoding at once.
    DateTime,
    /// A map with string keys and values of the given shape.
    Map {
        type_name: &'static str,
        element: &'static Shape,
    },
    /// A type known by name, looked up when a value meets it (so that types may name each
    /// other): the [`Decoder`]'s `resolve` answers it.
    Named(&'static str),
}

impl Shape {
    /// The type's name as Go's `reflect.Type.String()` prints it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Shape::Any => "interface {}",
            Shape::String => "string",
            Shape::Slice { type_name, .. }
            | Shape::Struct { type_name, .. }
            | Shape::Int { type_name, .. }
            | Shape::Float { type_name, .. }
            | Shape::Map { type_name, .. }
            | Shape::NamedString(type_name)
            | Shape::Named(type_name) => type_name,
            Shape::MapOfAny => "map[string]interface {}",
            Shape::Bool => "bool",
            Shape::DateTime => "strfmt.DateTime",
        }
    }
}

/// An error of `json.Unmarshal`, printed as Go prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoJsonError(String);

impl fmt::Display for GoJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `json.Unmarshal([]byte(text), &v)` with `v` of shape `shape`: `Ok` when Go decodes it,
/// else Go's error.
pub(crate) fn unmarshal(text: &str, shape: &Shape) -> Result<(), GoJsonError> {
    check_valid(text.as_bytes())?;
    Decoder::new(text.as_bytes(), |_| None).run(shape)
}

/// A type `Shape::Named` names, or `None` for one unknown (decoded as `interface {}`).
pub(crate) type Resolve = fn(&str) -> Option<&'static Shape>;

/// `json.NewDecoder(body).Decode(&v)`, as go-openapi's JSON consumer reads a request body
/// into `v` of shape `shape`: the first JSON value is read and decoded, whatever follows it is
/// left unread (`{} x` decodes); input ending inside the value is `unexpected EOF`. `Ok(None)`
/// for a body of spaces only (Go's `io.EOF`), else the offset where the value ended.
pub(crate) fn decode(
    body: &[u8],
    shape: &Shape,
    resolve: Resolve,
) -> Result<Option<usize>, GoJsonError> {
    let Some(end) = first_value_end(body)? else {
        return Ok(None);
    };
    Decoder::new(&body[..end], resolve).run(shape)?;
    Ok(Some(end))
}

/// `Decoder.readValue`: where the first value ends (its scanner error if it has one).
fn first_value_end(data: &[u8]) -> Result<Option<usize>, GoJsonError> {
    let mut scanner = Scanner::default();
    for (at, &c) in data.iter().enumerate() {
        if scanner.end_top {
            return Ok(Some(at));
        }
        match scanner.step(c) {
            Ok(()) => {}
            // The byte after a number or literal ended it: the value is whole, and the
            // decoder complains about that byte only on a later call, which never comes.
            Err(_) if scanner.end_top => return Ok(Some(at)),
            Err(error) => return Err(error),
        }
    }
    if !scanner.end_top {
        // The end of the input ends a number as a space would (an error here is no end).
        let _ = scanner.step(b' ');
    }
    if scanner.end_top {
        return Ok(Some(data.len()));
    }
    if data
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        Ok(None)
    } else {
        Err(GoJsonError("unexpected EOF".into()))
    }
}

/// Where the decoder is, for a type error's text: the struct being decoded and the JSON
/// names down to the value (Go's `errorContext`).
#[derive(Debug, Default, Clone)]
struct Context {
    strukt: Option<&'static str>,
    fields: Vec<String>,
}

/// Decodes a text the scanner accepted, saving the first type error.
struct Decoder<'a> {
    data: &'a [u8],
    at: usize,
    saved: Option<GoJsonError>,
    /// An error that ended the decoding (a `strfmt.DateTime`'s own).
    failed: Option<GoJsonError>,
    context: Context,
    resolve: Resolve,
}

impl<'a> Decoder<'a> {
    fn new(data: &'a [u8], resolve: Resolve) -> Self {
        Decoder {
            data,
            at: 0,
            saved: None,
            failed: None,
            context: Context::default(),
            resolve,
        }
    }

    /// The value into `shape`: the error that ended it, else the first type error saved.
    fn run(mut self, shape: &Shape) -> Result<(), GoJsonError> {
        self.value(Some(shape));
        match self.failed.or(self.saved) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// `shape`, or the type a `Shape::Named` names (`None`, decoded as anything, if unknown).
    fn resolved<'s>(&self, shape: Option<&'s Shape>) -> Option<&'s Shape> {
        match shape {
            Some(Shape::Named(name)) => (self.resolve)(name),
            other => other,
        }
    }

    /// A `strfmt.DateTime` met a value other than a string or `null`: its `UnmarshalJSON`
    /// decodes the value into a `string` and that error, given the outer decoder's context,
    /// ends the decoding.
    fn date_time_refuses(&mut self, kind: &str) {
        if self.failed.is_none() {
            self.failed = Some(self.type_error_text(kind, "string"));
        }
    }

    fn type_error_text(&self, kind: &str, into: &str) -> GoJsonError {
        GoJsonError(match &self.context.strukt {
            Some(name) => format!(
                "json: cannot unmarshal {kind} into Go struct field {name}.{} of type {into}",
                self.context.fields.join(".")
            ),
            None => format!("json: cannot unmarshal {kind} into Go value of type {into}"),
        })
    }

    fn skip_space(&mut self) {
        while self
            .data
            .get(self.at)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
    }

    /// `saveError` of an `UnmarshalTypeError` for a `kind` value, with the context.
    fn type_error(&mut self, kind: &str, shape: &Shape) {
        if self.saved.is_none() {
            self.saved = Some(self.type_error_text(kind, shape.type_name()));
        }
    }

    /// One value at `at` into `shape` (`None`: skipped).
    fn value(&mut self, shape: Option<&Shape>) {
        if self.failed.is_some() {
            return;
        }
        let shape = self.resolved(shape);
        self.skip_space();
        match self.data.get(self.at) {
            Some(b'{') => self.object(shape),
            Some(b'[') => self.array(shape),
            Some(b'"') => {
                let text = self.string();
                match shape {
                    None | Some(Shape::Any | Shape::String | Shape::NamedString(_)) => {}
                    Some(Shape::DateTime) => {
                        if let Err(e) = crate::go_time::parse_date_time(&text) {
                            self.failed.get_or_insert(GoJsonError(e.to_string()));
                        }
                    }
                    Some(shape) => self.type_error("string", shape),
                }
            }
            Some(b'n') => self.at += 4,
            Some(b't' | b'f') => {
                self.at += if self.data[self.at] == b't' { 4 } else { 5 };
                match shape {
                    None | Some(Shape::Any | Shape::Bool) => {}
                    Some(Shape::DateTime) => self.date_time_refuses("bool"),
                    Some(shape) => self.type_error("bool", shape),
                }
            }
            Some(_) => {
                let start = self.at;
                self.number();
                let literal = String::from_utf8_lossy(&self.data[start..self.at]).into_owned();
                match shape {
                    None | Some(Shape::Any) => {}
                    Some(Shape::DateTime) => self.date_time_refuses("number"),
                    Some(shape @ Shape::Int { bits, unsigned, .. }) => {
                        if !fits_int(&literal, *bits, *unsigned) {
                            self.type_error(&format!("number {literal}"), shape);
                        }
                    }
                    Some(shape @ Shape::Float { bits, .. }) => {
                        if !fits_float(&literal, *bits) {
                            self.type_error(&format!("number {literal}"), shape);
                        }
                    }
                    Some(shape) => self.type_error("number", shape),
                }
            }
            None => {}
        }
    }

    /// Skips a string literal, answering its bytes between the quotes (escapes undone
    /// only as far as key matching needs: `\"`, `\\`, `\/` and the ASCII `\u00xx`).
    fn string(&mut self) -> String {
        self.at += 1;
        let mut out = Vec::new();
        while let Some(&c) = self.data.get(self.at) {
            self.at += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let escaped = self.data.get(self.at).copied().unwrap_or(b'\\');
                    self.at += 1;
                    match escaped {
                        b'u' => {
                            let hex = &self.data[self.at..(self.at + 4).min(self.data.len())];
                            self.at += 4;
                            let code = std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .and_then(char::from_u32)
                                .unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(code.encode_utf8(&mut buf).as_bytes());
                        }
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn number(&mut self) {
        while self
            .data
            .get(self.at)
            .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
    }

    fn array(&mut self, shape: Option<&Shape>) {
        let element = match shape {
            None | Some(Shape::Any) => None,
            Some(Shape::Slice { element, .. }) => Some(*element),
            Some(Shape::DateTime) => {
                self.date_time_refuses("array");
                return;
            }
            Some(other) => {
                self.type_error("array", other);
                None
            }
        };
        self.at += 1;
        loop {
            self.skip_space();
            if self.data.get(self.at) == Some(&b']') {
                self.at += 1;
                return;
            }
            self.value(element);
            self.skip_space();
            match self.data.get(self.at) {
                Some(b',') => self.at += 1,
                _ => {
                    self.at += 1;
                    return;
                }
            }
        }
    }

    fn object(&mut self, shape: Option<&Shape>) {
        let mut element = None;
        let fields = match shape {
            None | Some(Shape::Any) => None,
            Some(Shape::MapOfAny) => None,
            Some(Shape::Map { element: e, .. }) => {
                element = Some(*e);
                None
            }
            Some(Shape::Struct { name, fields, .. }) => Some((*name, *fields)),
            Some(Shape::DateTime) => {
                self.date_time_refuses("object");
                return;
            }
            Some(other) => {
                self.type_error("object", other);
                None
            }
        };
        self.at += 1;
        loop {
            self.skip_space();
            match self.data.get(self.at) {
                Some(b'}') | None => {
                    self.at += 1;
                    return;
                }
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                _ => {}
            }
            let key = self.string();
            self.skip_space();
            self.at += 1; // the colon
            match fields.and_then(|(name, fields)| struct_field(fields, &key).map(|f| (name, f))) {
                Some((name, (json_name, field_shape))) => {
                    let outer = self.context.clone();
                    self.context.strukt = Some(name);
                    self.context.fields.push((*json_name).to_owned());
                    self.value(Some(field_shape));
                    if self.failed.is_some() {
                        // Go returns at once, the context still the field's.
                        return;
                    }
                    self.context = outer;
                }
                // A map's value: the context stays the map's (Go names no key).
                None => self.value(element),
            }
        }
    }
}

/// Whether `strconv.ParseInt` (`ParseUint`) takes the literal and it fits `bits` bits.
fn fits_int(literal: &str, bits: u32, unsigned: bool) -> bool {
    if unsigned {
        literal
            .parse::<u64>()
            .is_ok_and(|n| bits >= 64 || n < 1 << bits)
    } else {
        literal
            .parse::<i64>()
            .is_ok_and(|n| bits >= 64 || (-(1i64 << (bits - 1))..(1i64 << (bits - 1))).contains(&n))
    }
}

/// Whether `strconv.ParseFloat` takes the literal and it does not overflow `bits` bits.
fn fits_float(literal: &str, bits: u32) -> bool {
    literal
        .parse::<f64>()
        .is_ok_and(|n| n.is_finite() && (bits == 64 || (n.abs() <= f64::from(f32::MAX))))
}

/// The value of an object's key as Go's decoder assigns a struct field named `name`: the
/// key written exactly so, else one equal to it ignoring case (the last one, as each is
/// decoded in turn); `null` when there is none (or `value` is no object).
pub(crate) fn go_field<'v>(value: &'v serde_json::Value, name: &str) -> &'v serde_json::Value {
    static NULL: serde_json::Value = serde_json::Value::Null;
    let Some(object) = value.as_object() else {
        return &NULL;
    };
    object.get(name).unwrap_or_else(|| {
        object
            .iter()
            .rev()
            .find(|(key, _)| key.to_lowercase() == name.to_lowercase())
            .map_or(&NULL, |(_, v)| v)
    })
}

/// The field a key names: the exact JSON name first, else one equal ignoring case.
pub(crate) fn struct_field<'s>(
    fields: &'s [(&'static str, Shape)],
    key: &str,
) -> Option<&'s (&'static str, Shape)> {
    fields.iter().find(|(name, _)| *name == key).or_else(|| {
        fields
            .iter()
            .find(|(name, _)| name.to_lowercase() == key.to_lowercase())
    })
}

/// Go's `json.Marshal` of a value decoded into `interface {}` (maps, slices, strings,
/// numbers, booleans): object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped in
/// strings, a float written as Go writes a `float64` (`1` for 1.0, `1e+21`, `1e-7`).
pub(crate) fn marshal(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            escape_html_into(out, &value.to_string());
        }
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&go_float64(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for (at, item) in items.iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (at, key) in keys.into_iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_value(out, &Value::String(key.clone()));
                out.push(':');
                write_value(out, &map[key]);
            }
            out.push('}');
        }
    }
}

/// Appends JSON `text` with `<`, `>`, `&`, U+2028 and U+2029 escaped as Go's encoder
/// escapes them (its default `SetEscapeHTML(true)`). Those characters only ever stand
/// inside strings of JSON text, so escaping them in the text is escaping them in its
/// strings.
pub(crate) fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// A `float64` as `encoding/json` writes it: the shortest digits, in exponent form below
/// 1e-6 or from 1e21 up (`e-07` shortened to `e-7`).
fn go_float64(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                format!("{mantissa}e+{exponent}")
            }
            _ => text,
        }
    } else {
        f.to_string()
    }
}

/// `checkValid`: the scanner over the whole text, then its end.
fn check_valid(data: &[u8]) -> Result<(), GoJsonError> {
    let mut scanner = Scanner::default();
    for &c in data {
        scanner.step(c)?;
    }
    scanner.eof()
}

/// What the scanner is in the middle of (Go's `parseState` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The scanner's state: which of Go's `state*` functions reads the next byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    /// After `\u` and this many hex digits.
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`, `false` or `null`: the literal and how many bytes were read.
    Literal(&'static str, usize),
}

/// Go's `scanner`, stepping one byte at a time.
#[derive(Debug, Default)]
struct Scanner {
    state: State,
    parse: Vec<Parse>,
    end_top: bool,
}

impl Scanner {
    fn error(c: u8, context: &str) -> GoJsonError {
        GoJsonError(format!("invalid character {} {context}", quote_char(c)))
    }

    fn eof(&mut self) -> Result<(), GoJsonError> {
        if self.end_top {
            return Ok(());
        }
        self.step(b' ')?;
        if self.end_top {
            return Ok(());
        }
        Err(GoJsonError("unexpected end of JSON input".into()))
    }

    fn push(&mut self, c: u8, parse: Parse) -> Result<(), GoJsonError> {
        self.parse.push(parse);
        if self.parse.len() <= MAX_NESTING_DEPTH {
            Ok(())
        } else {
            Err(Scanner::error(c, "exceeded max depth"))
        }
    }

    fn pop(&mut self) {
        self.parse.pop();
        if self.parse.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn step(&mut self, c: u8) -> Result<(), GoJsonError> {
        let space = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        let digit = c.is_ascii_digit();
        match self.state {
            State::BeginValueOrEmpty => {
                if space {
                    return Ok(());
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if space {
                    return Ok(());
                }
                if c == b'}' {
                    if let Some(last) = self.parse.last_mut() {
                        *last = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => {
                if space {
                    Ok(())
                } else {
                    Err(Scanner::error(c, "after top-level value"))
                }
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return Err(Scanner::error(c, "in string literal")),
                    _ => {}
                }
                Ok(())
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Ok(())
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Ok(())
                }
                _ => Err(Scanner::error(c, "in string escape code")),
            },
            State::InStringEscU(read) => {
                if !c.is_ascii_hexdigit() {
                    return Err(Scanner::error(c, "in \\u hexadecimal character escape"));
                }
                self.state = if read == 3 {
                    State::InString
                } else {
                    State::InStringEscU(read + 1)
                };
                Ok(())
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Ok(())
                }
                b'1'..=b'9' => {
                    self.state = State::One;
                    Ok(())
                }
                _ => Err(Scanner::error(c, "in numeric literal")),
            },
            State::One if digit => Ok(()),
            State::One | State::Zero => match c {
                b'.' => {
                    self.state = State::Dot;
                    Ok(())
                }
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::Dot => {
                if digit {
                    self.state = State::Dot0;
                    Ok(())
                } else {
                    Err(Scanner::error(c, "after decimal point in numeric literal"))
                }
            }
            State::Dot0 => match c {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::E if matches!(c, b'+' | b'-') => {
                self.state = State::ESign;
                Ok(())
            }
            State::E | State::ESign => {
                if digit {
                    self.state = State::E0;
                    Ok(())
                } else {
                    Err(Scanner::error(c, "in exponent of numeric literal"))
                }
            }
            State::E0 => {
                if digit {
                    Ok(())
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, read) => {
                let expected = word.as_bytes()[read];
                if c != expected {
                    return Err(Scanner::error(
                        c,
                        &format!("in literal {word} (expecting {})", quote_char(expected)),
                    ));
                }
                self.state = if read + 1 == word.len() {
                    State::EndValue
                } else {
                    State::Literal(word, read + 1)
                };
                Ok(())
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Result<(), GoJsonError> {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => return Ok(()),
            b'{' => {
                self.state = State::BeginStringOrEmpty;
                return self.push(c, Parse::ObjectKey);
            }
            b'[' => {
                self.state = State::BeginValueOrEmpty;
                return self.push(c, Parse::ArrayValue);
            }
            b'"' => self.state = State::InString,
            b'-' => self.state = State::Neg,
            b'0' => self.state = State::Zero,
            b't' => self.state = State::Literal("true", 1),
            b'f' => self.state = State::Literal("false", 1),
            b'n' => self.state = State::Literal("null", 1),
            b'1'..=b'9' => self.state = State::One,
            _ => return Err(Scanner::error(c, "looking for beginning of value")),
        }
        Ok(())
    }

    fn begin_string(&mut self, c: u8) -> Result<(), GoJsonError> {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => Ok(()),
            b'"' => {
                self.state = State::InString;
                Ok(())
            }
            _ => Err(Scanner::error(
                c,
                "looking for beginning of object key string",
            )),
        }
    }

    fn end_value(&mut self, c: u8) -> Result<(), GoJsonError> {
        let Some(&parse) = self.parse.last() else {
            // The top-level value ended before this byte.
            self.state = State::EndTop;
            self.end_top = true;
            return self.step(c);
        };
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            self.state = State::EndValue;
            return Ok(());
        }
        match (parse, c) {
            (Parse::ObjectKey, b':') => {
                if let Some(last) = self.parse.last_mut() {
                    *last = Parse::ObjectValue;
                }
                self.state = State::BeginValue;
                Ok(())
            }
            (Parse::ObjectKey, _) => Err(Scanner::error(c, "after object key")),
            (Parse::ObjectValue, b',') => {
                if let Some(last) = self.parse.last_mut() {
                    *last = Parse::ObjectKey;
                }
                self.state = State::BeginString;
                Ok(())
            }
            (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                self.pop();
                Ok(())
            }
            (Parse::ObjectValue, _) => Err(Scanner::error(c, "after object key:value pair")),
            (Parse::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Ok(())
            }
            (Parse::ArrayValue, _) => Err(Scanner::error(c, "after array element")),
        }
    }
}

/// Go's `quoteChar`: the byte as a quoted character literal, `'\''` and `'"'` as they are,
/// else `strconv.Quote` of the byte read as a rune (U+0000 to U+00FF) between single quotes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        _ => format!("'{}'", go_quote_rune(char::from(c))),
    }
}

/// The inside of Go's `strconv.Quote` for one rune up to U+00FF.
fn go_quote_rune(r: char) -> String {
    match r {
        '\u{7}' => r"\a".into(),
        '\u{8}' => r"\b".into(),
        '\u{c}' => r"\f".into(),
        '\n' => r"\n".into(),
        '\r' => r"\r".into(),
        '\t' => r"\t".into(),
        '\u{b}' => r"\v".into(),
        '\\' => r"\\".into(),
        // `strconv.IsPrint` in Latin-1: the graphic characters but the soft hyphen; the
        // space is printable, the no-break space is not.
        r if (' '..='~').contains(&r) || (('\u{a1}'..='\u{ff}').contains(&r) && r != '\u{ad}') => {
            r.to_string()
        }
        r if (r as u32) < 0x80 => format!(r"\x{:02x}", r as u32),
        r => format!(r"\u{:04x}", r as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shapes the preheat handler decodes a policy's strings into.
    use crate::handlers::preheat::{FILTERS, TRIGGER};

    fn syntax(text: &str) -> String {
        check_valid(text.as_bytes()).unwrap_err().0
    }

    /// Go's scanner texts (`scanner_test.go`, `decode_test.go` and the states' contexts).
    #[test]
    fn syntax_errors_are_worded_as_go_words_them() {
        for (text, message) in [
            ("", "unexpected end of JSON input"),
            ("   ", "unexpected end of JSON input"),
            ("[1,2", "unexpected end of JSON input"),
            ("{\"a\"", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            (
                "{1:2}",
                "invalid character '1' looking for beginning of object key string",
            ),
            ("{\"a\",1}", "invalid character ',' after object key"),
            (
                "{\"a\":1 2}",
                "invalid character '2' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("1 2", "invalid character '2' after top-level value"),
            ("{}x", "invalid character 'x' after top-level value"),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            (
                "\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            ("-a", "invalid character 'a' in numeric literal"),
            (
                "1.e1",
                "invalid character 'e' after decimal point in numeric literal",
            ),
            (
                "1e+x",
                "invalid character 'x' in exponent of numeric literal",
            ),
            ("01", "invalid character '1' after top-level value"),
            // At the end the scanner reads a space, which an unfinished literal refuses.
            (
                "tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (
                "1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                "trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            (
                "fals3",
                "invalid character '3' in literal false (expecting 'e')",
            ),
            (
                "nul",
                "invalid character ' ' in literal null (expecting 'l')",
            ),
            (
                "nil",
                "invalid character 'i' in literal null (expecting 'u')",
            ),
            (
                "'a'",
                r"invalid character '\'' looking for beginning of value",
            ),
            ("[\"a\"\"b\"]", "invalid character '\"' after array element"),
            (
                "\u{1}",
                r"invalid character '\x01' looking for beginning of value",
            ),
            (
                "\u{7f}",
                r"invalid character '\x7f' looking for beginning of value",
            ),
            ("é", r"invalid character 'Ã' looking for beginning of value"),
            (
                "\u{a0}",
                r"invalid character 'Â' looking for beginning of value",
            ),
        ] {
            assert_eq!(syntax(text), message, "{text:?}");
        }
        for valid in [
            "null",
            " [ ] ",
            "{\"a\":[1,-0.5e-3,true,false,null,\"\\u00e9\"]}",
            "0",
        ] {
            assert!(check_valid(valid.as_bytes()).is_ok(), "{valid}");
        }
    }

    #[test]
    fn nesting_deeper_than_ten_thousand_is_refused() {
        let deep = "[".repeat(MAX_NESTING_DEPTH + 1);
        assert_eq!(syntax(&deep), "invalid character '[' exceeded max depth");
        let ok = format!(
            "{}{}",
            "[".repeat(MAX_NESTING_DEPTH),
            "]".repeat(MAX_NESTING_DEPTH)
        );
        assert!(check_valid(ok.as_bytes()).is_ok());
    }

    #[test]
    fn fields_are_found_as_the_decoder_finds_them() {
        let trigger = serde_json::json!({"TYPE": "scheduled", "Trigger_Setting": {"cron": "x"}});
        assert_eq!(go_field(&trigger, "type"), "scheduled");
        assert_eq!(go_field(go_field(&trigger, "trigger_setting"), "cron"), "x");
        let exact = serde_json::json!({"Type": "a", "type": "b"});
        assert_eq!(go_field(&exact, "type"), "b");
        assert!(go_field(&exact, "cron").is_null());
        assert!(go_field(&serde_json::json!([1]), "type").is_null());
    }

    #[test]
    fn quoted_characters_follow_strconv_quote() {
        assert_eq!(quote_char(b'\t'), r"'\t'");
        assert_eq!(quote_char(0x85), r"'\u0085'");
        assert_eq!(quote_char(0xad), r"'\u00ad'");
        assert_eq!(quote_char(0xff), "'ÿ'");
        assert_eq!(quote_char(b'\\'), r"'\\'");
    }

    #[test]
    fn marshal_writes_as_go_writes_an_interface_value() {
        let value = serde_json::json!({"b": [1, 1.5, 1e21, 1e-7, 0.000001], "a": "<x> & \u{2028}", "c": null});
        assert_eq!(
            marshal(&value),
            r#"{"a":"\u003cx\u003e \u0026 \u2028","b":[1,1.5,1e+21,1e-7,0.000001],"c":null}"#
        );
    }

    #[test]
    fn type_errors_name_the_go_type_and_field() {
        let error = |text: &str, shape: &Shape| unmarshal(text, shape).unwrap_err().0;
        assert_eq!(
            error("{}", &FILTERS),
            "json: cannot unmarshal object into Go value of type []*policy.Filter"
        );
        assert_eq!(
            error("\"x\"", &FILTERS),
            "json: cannot unmarshal string into Go value of type []*policy.Filter"
        );
        assert_eq!(
            error("[1]", &FILTERS),
            "json: cannot unmarshal number into Go value of type policy.Filter"
        );
        assert_eq!(
            error("[{\"type\":1}]", &FILTERS),
            "json: cannot unmarshal number into Go struct field Filter.type of type string"
        );
        // Keys ignore case when no field has the exact name; the first error is kept.
        assert_eq!(
            error("[{\"TYPE\":true},{\"type\":[]}]", &FILTERS),
            "json: cannot unmarshal bool into Go struct field Filter.type of type string"
        );
        assert_eq!(
            error("[5]", &TRIGGER),
            "json: cannot unmarshal array into Go value of type policy.Trigger"
        );
        // Inside the anonymous struct, the struct's name is empty.
        assert_eq!(
            error("{\"trigger_setting\":{\"cron\":5}}", &TRIGGER),
            "json: cannot unmarshal number into Go struct field .trigger_setting.cron of type string"
        );
        assert_eq!(
            error("{\"trigger_setting\":\"x\"}", &TRIGGER),
            "json: cannot unmarshal string into Go struct field Trigger.trigger_setting of type struct { Cron string \"json:\\\"cron,omitempty\\\"\" }"
        );
        assert_eq!(
            error("[1]", &Shape::MapOfAny),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        // A syntax error comes before any type error.
        assert_eq!(error("[1", &TRIGGER), "unexpected end of JSON input");
        for fine in [
            "null",
            "[]",
            "[null,{\"type\":\"tag\",\"value\":[1,{}],\"other\":5}]",
            "[{\"Type\":\"x\",\"type\":null}]",
        ] {
            assert!(unmarshal(fine, &FILTERS).is_ok(), "{fine}");
        }
        assert!(unmarshal("{\"type\":\"manual\",\"x\":[1]}", &TRIGGER).is_ok());
        assert!(unmarshal("{\"a\":[1],\"b\":{}}", &Shape::MapOfAny).is_ok());
    }

    #[test]
    fn numbers_dates_maps_and_the_first_value_decode_as_in_go() {
        static INT32: Shape = Shape::Int {
            type_name: "int32",
            bits: 32,
            unsigned: false,
        };
        static UINT: Shape = Shape::Int {
            type_name: "uint64",
            bits: 64,
            unsigned: true,
        };
        static FLOAT32: Shape = Shape::Float {
            type_name: "float32",
            bits: 32,
        };
        static MAP: Shape = Shape::Map {
            type_name: "map[string]int32",
            element: &INT32,
        };
        static OBJ: Shape = Shape::Struct {
            type_name: "models.Obj",
            name: "Obj",
            fields: &[
                ("n", INT32),
                ("when", Shape::DateTime),
                ("tags", Shape::Named("Tags")),
            ],
        };
        static TAGS: Shape = Shape::Slice {
            type_name: "[]models.Tag",
            element: &Shape::NamedString("models.Tag"),
        };
        let resolve: Resolve = |name| (name == "Tags").then_some(&TAGS);
        let error = |text: &str, shape: &Shape| {
            decode(text.as_bytes(), shape, resolve)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("2147483648", &INT32),
            "json: cannot unmarshal number 2147483648 into Go value of type int32"
        );
        assert!(decode(b"-2147483648", &INT32, resolve).is_ok());
        assert_eq!(
            error("-1", &UINT),
            "json: cannot unmarshal number -1 into Go value of type uint64"
        );
        assert_eq!(
            error("1e39", &FLOAT32),
            "json: cannot unmarshal number 1e39 into Go value of type float32"
        );
        assert_eq!(
            error(r#"{"a": 1, "b": "x"}"#, &MAP),
            "json: cannot unmarshal string into Go value of type int32"
        );
        assert_eq!(
            error(r#"{"tags": ["a", 5]}"#, &OBJ),
            "json: cannot unmarshal number into Go struct field Obj.tags of type models.Tag"
        );
        // A `strfmt.DateTime` ends the decoding with its own error, before a type error saved
        // earlier; a non-string is its inner decoding into `string`, in the outer context.
        assert_eq!(
            error(r#"{"n": "x", "when": 5}"#, &OBJ),
            "json: cannot unmarshal number into Go struct field Obj.when of type string"
        );
        assert_eq!(
            error(r#"{"n": "x", "when": "2026-02-30"}"#, &OBJ),
            r#"parsing time "2026-02-30": day out of range"#
        );
        assert_eq!(
            error(r#"{"n": "x"}"#, &OBJ),
            "json: cannot unmarshal string into Go struct field Obj.n of type int32"
        );
        assert!(decode(br#"{"when": null, "tags": null}"#, &OBJ, resolve).is_ok());
        // The first value alone is read: after a number, the next byte ends it.
        assert_eq!(decode(b"12x", &INT32, resolve).unwrap(), Some(2));
        assert_eq!(decode(b"12", &INT32, resolve).unwrap(), Some(2));
        assert_eq!(decode(b"[1] [", &Shape::Any, resolve).unwrap(), Some(3));
        assert_eq!(error("[1", &Shape::Any), "unexpected EOF");
        assert_eq!(error("tru", &Shape::Any), "unexpected EOF");
        assert_eq!(
            error("[1,]", &Shape::Any),
            "invalid character ']' looking for beginning of value"
        );
    }
}
