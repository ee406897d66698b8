//! Go's `encoding/pem.Decode` and `crypto/x509.ParseCertificate`, as far as Harbor's
//! `ValidateCACertificate` (`src/common/http/transport.go`) passes their outcome on: which PEM
//! blocks Go finds, and for a `CERTIFICATE` block the first error Go's parser reports, word for
//! word, since Harbor puts it in its 400 (`invalid CA certificate: failed to parse
//! certificate: <Go's error>`).
//!
//! Written from Go's `src/encoding/pem/pem.go`, `src/crypto/x509/parser.go` (`parseCertificate`
//! and the helpers it calls: `parseName`, `parseAI`, `parseValidity`, `parseExtension`,
//! `parsePublicKey`, `processExtensions`) and `golang.org/x/crypto/cryptobyte`'s DER reader,
//! whose rules (minimal lengths, no high tag numbers, minimal integers) decide most of the
//! `malformed` errors. The checks run in Go's order, so any byte string gets Go's first error.
//!
//! Not ported, because they need Go's deeper libraries: an ECDSA point's coordinates and
//! curve equation (`ecdsa.ParseUncompressedPublicKey` past its `0x04` prefix check), the
//! RFC 2821 mailbox grammar of a name constraint holding `@`, and GODEBUG switches (the
//! default `x509negativeserial=0` is assumed). Such certificates are accepted here.

use crate::calendar::days_in_month;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `base64.StdEncoding`: padding required, but non-zero trailing bits accepted (it is
/// not `Strict()`).
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// A decoded PEM block: its type line and its bytes (headers are read but not kept, as
/// Harbor never looks at them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The type between `-----BEGIN ` and `-----`.
    pub kind: Vec<u8>,
    /// The base64-decoded body.
    pub bytes: Vec<u8>,
}

/// Go's `getLine`: the first line without trailing spaces and tabs (and `\r`), and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut i, j) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (i, i + 1),
        None => (data.len(), data.len()),
    };
    if j > i && i > 0 && data[i - 1] == b'\r' {
        i -= 1;
    }
    let mut line = &data[..i];
    while let [rest @ .., b' ' | b'\t'] = line {
        line = rest;
    }
    (line, &data[j..])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Go's `pem.Decode`: the next block and the rest of the input, or `None` when no block is
/// found. A candidate that is not well formed (no closing line of the same type, text after
/// it, base64 Go refuses) is passed over and the search goes on after its `BEGIN` line, as
/// Go's loop does.
pub fn pem_decode(data: &[u8]) -> Option<(PemBlock, &[u8])> {
    const START: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const EOL: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if rest.starts_with(&START[1..]) {
            rest = &rest[START.len() - 1..];
        } else if let Some(i) = find(rest, START) {
            rest = &rest[i + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(kind) = type_line.strip_suffix(EOL) else {
            continue;
        };
        let mut headers = 0usize;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            // A `Key: Value` header; Go keeps them in a map, only whether there were any
            // matters below.
            if !line.contains(&b':') {
                break;
            }
            headers += 1;
            rest = next;
        }
        let (end_index, trailer_index) = if headers == 0 && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = kind.len() + EOL.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_line.starts_with(kind) || !end_line.ends_with(EOL) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        // `removeSpacesAndTabs`, then Go's decoder, which skips `\r` and `\n` anywhere.
        let b64: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        let Ok(bytes) = GO_STD_BASE64.decode(&b64) else {
            continue;
        };
        let (_, after_end) = get_line(&rest[end_index + END.len() - 1..]);
        return Some((
            PemBlock {
                kind: kind.to_vec(),
                bytes,
            },
            after_end,
        ));
    }
}

// Tags as cryptobyte names them (`cryptobyte/asn1`).
const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OBJECT_IDENTIFIER: u8 = 0x06;
const UTF8_STRING: u8 = 0x0c;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const NUMERIC_STRING: u8 = 0x12;
const PRINTABLE_STRING: u8 = 0x13;
const T61_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const BMP_STRING: u8 = 0x1e;

/// `Tag(n).ContextSpecific()`.
const fn ctx(n: u8) -> u8 {
    0x80 | n
}

/// `Tag(n).Constructed().ContextSpecific()`.
const fn ctx_cons(n: u8) -> u8 {
    0xa0 | n
}

/// cryptobyte's `String`: a cursor over DER, each read taking one element off the front.
#[derive(Clone, Copy)]
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `readASN1`: one element (its tag, the whole element, and its header length). Low tag
    /// numbers only, definite lengths of at most four octets, and DER's shortest form.
    fn read_any_element(&mut self) -> Option<(u8, &'a [u8], usize)> {
        let s = self.0;
        if s.len() < 2 {
            return None;
        }
        let (tag, len_byte) = (s[0], s[1]);
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (length, header) = if len_byte & 0x80 == 0 {
            (usize::from(len_byte) + 2, 2usize)
        } else {
            let len_len = usize::from(len_byte & 0x7f);
            if len_len == 0 || len_len > 4 || s.len() < 2 + len_len {
                return None;
            }
            let len32 = s[2..2 + len_len]
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            if len32 < 128 || len32 >> ((len_len - 1) * 8) == 0 {
                return None;
            }
            let header = 2 + len_len;
            (header + usize::try_from(len32).ok()?, header)
        };
        if s.len() < length {
            return None;
        }
        self.0 = &s[length..];
        Some((tag, &s[..length], header))
    }

    /// `ReadAnyASN1`: the tag and the contents.
    fn read_any(&mut self) -> Option<(u8, &'a [u8])> {
        self.read_any_element()
            .map(|(tag, el, header)| (tag, &el[header..]))
    }

    /// `ReadASN1`: the contents of an element that must carry `tag`.
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.read_any().filter(|(t, _)| *t == tag).map(|(_, c)| c)
    }

    /// `ReadASN1Element`: the whole element (header included) that must carry `tag`.
    fn read_element(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.read_any_element()
            .filter(|(t, _, _)| *t == tag)
            .map(|(_, el, _)| el)
    }

    fn peek(&self, tag: u8) -> bool {
        self.0.first() == Some(&tag)
    }

    /// `ReadOptionalASN1`: `Some(None)` when absent, `None` when present but unreadable.
    fn read_optional(&mut self, tag: u8) -> Option<Option<&'a [u8]>> {
        if self.peek(tag) {
            self.read(tag).map(Some)
        } else {
            Some(None)
        }
    }

    /// `SkipOptionalASN1`.
    fn skip_optional(&mut self, tag: u8) -> bool {
        self.read_optional(tag).is_some()
    }

    /// `ReadASN1Integer` into a `*big.Int`: the minimal two's-complement contents.
    fn read_big_int(&mut self) -> Option<&'a [u8]> {
        self.read(INTEGER).filter(|c| minimal_integer(c))
    }

    /// `ReadASN1Integer` into an `int64` (or Go's 64-bit `int`).
    fn read_i64(&mut self) -> Option<i64> {
        self.read_i64_with_tag(INTEGER)
    }

    /// `ReadASN1Int64WithTag`.
    fn read_i64_with_tag(&mut self, tag: u8) -> Option<i64> {
        let c = self.read(tag).filter(|c| minimal_integer(c))?;
        if c.len() > 8 {
            return None;
        }
        let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in c {
            v = (v << 8) | i64::from(b);
        }
        Some(v)
    }

    /// `ReadASN1Integer` into a `uint64` (Go's `uint`): non-negative, at most 64 bits.
    fn read_u64(&mut self) -> Option<u64> {
        let c = self.read(INTEGER).filter(|c| minimal_integer(c))?;
        if c[0] & 0x80 != 0 || c.len() > 9 || (c.len() == 9 && c[0] != 0) {
            return None;
        }
        Some(c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// `ReadASN1ObjectIdentifier`.
    fn read_oid(&mut self) -> Option<Vec<u64>> {
        let c = self.read(OBJECT_IDENTIFIER)?;
        oid_components(c)
    }

    /// `ReadASN1Boolean`: one octet, `0x00` or `0xff`.
    fn read_bool(&mut self) -> Option<bool> {
        match self.read(BOOLEAN)? {
            [0x00] => Some(false),
            [0xff] => Some(true),
            _ => None,
        }
    }

    /// `ReadASN1BitString`: the unused-bits octet (0 to 7, 0 when empty, those bits zero)
    /// and the bits right-aligned as `BitString.RightAlign` gives them.
    fn read_bit_string(&mut self) -> Option<Vec<u8>> {
        let c = self.read(BIT_STRING)?;
        let (&padding, bits) = c.split_first()?;
        if padding > 7
            || (bits.is_empty() && padding != 0)
            || bits
                .last()
                .is_some_and(|&l| l & ((1u8 << padding) - 1) != 0)
        {
            return None;
        }
        if padding == 0 || bits.is_empty() {
            return Some(bits.to_vec());
        }
        let shift = u32::from(padding);
        let mut out = vec![0u8; bits.len()];
        out[0] = bits[0] >> shift;
        for i in 1..bits.len() {
            out[i] = (bits[i - 1] << (8 - shift)) | (bits[i] >> shift);
        }
        Some(out)
    }
}

/// cryptobyte's `checkASN1Integer`: at least one octet, no redundant leading octet.
fn minimal_integer(c: &[u8]) -> bool {
    match c {
        [] => false,
        [_] => true,
        [0x00, b, ..] => b & 0x80 != 0,
        [0xff, b, ..] => b & 0x80 == 0,
        _ => true,
    }
}

/// `readBase128Int` over an OID's contents, with its limits (at most five octets, below
/// 2^31, no leading `0x80`), the first component split as X.690 packs it.
fn oid_components(mut c: &[u8]) -> Option<Vec<u64>> {
    fn base128(c: &mut &[u8]) -> Option<u64> {
        let mut ret = 0u64;
        let mut i = 0;
        while let Some((&b, rest)) = c.split_first() {
            if i == 5 || ret >= 1 << (31 - 7) {
                return None;
            }
            ret <<= 7;
            *c = rest;
            if i == 0 && b == 0x80 {
                return None;
            }
            ret |= u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                return Some(ret);
            }
            i += 1;
        }
        None
    }
    if c.is_empty() {
        return None;
    }
    let first = base128(&mut c)?;
    let mut out = if first < 80 {
        vec![first / 40, first % 40]
    } else {
        vec![2, first - 80]
    };
    while !c.is_empty() {
        out.push(base128(&mut c)?);
    }
    Some(out)
}

fn oid_is(oid: &[u64], want: &[u64]) -> bool {
    oid == want
}

/// `asn1.ObjectIdentifier.String`.
fn oid_string(oid: &[u64]) -> String {
    oid.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

const OID_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];
const OID_DSA: &[u64] = &[1, 2, 840, 10040, 4, 1];
const OID_ECDSA: &[u64] = &[1, 2, 840, 10045, 2, 1];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];
const OID_AIA: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
/// P-224, P-256, P-384 and P-521: the curves `namedCurveFromOID` knows.
const NAMED_CURVES: &[&[u64]] = &[
    &[1, 3, 132, 0, 33],
    &[1, 2, 840, 10045, 3, 1, 7],
    &[1, 3, 132, 0, 34],
    &[1, 3, 132, 0, 35],
];

type Parsed<T> = Result<T, String>;

fn err<T>(msg: &str) -> Parsed<T> {
    Err(msg.to_owned())
}

/// Go's `x509.ParseCertificate`: `Ok` for what Go accepts, else Go's error text.
pub fn parse_certificate(der: &[u8]) -> Parsed<()> {
    let raw_len = parse(der)?;
    if raw_len != der.len() {
        return err("x509: trailing data");
    }
    Ok(())
}

/// `parseCertificate`; the length of the certificate's element (Go's `cert.Raw`).
fn parse(der: &[u8]) -> Parsed<usize> {
    let mut input = Der(der);
    let Some(raw) = input.read_element(SEQUENCE) else {
        return err("x509: malformed certificate");
    };
    let mut input = Der(raw);
    let Some(inner) = input.read(SEQUENCE) else {
        return err("x509: malformed certificate");
    };
    let mut input = Der(inner);
    let Some(tbs_el) = input.read_element(SEQUENCE) else {
        return err("x509: malformed tbs certificate");
    };
    let mut tbs = Der(tbs_el);
    let Some(tbs_inner) = tbs.read(SEQUENCE) else {
        return err("x509: malformed tbs certificate");
    };
    let mut tbs = Der(tbs_inner);

    // `ReadOptionalASN1Integer(&cert.Version, [0] constructed, 0)`: the explicit tag's
    // contents must be one integer and nothing more.
    let version = match tbs.read_optional(ctx_cons(0)) {
        None => return err("x509: malformed version"),
        Some(None) => 0,
        Some(Some(v)) => {
            let mut v = Der(v);
            match v.read_i64() {
                Some(n) if v.is_empty() => n,
                _ => return err("x509: malformed version"),
            }
        }
    };
    if !(0..=3).contains(&version) {
        return err("x509: malformed version");
    }
    let version = version + 1;
    if version > 3 {
        return err("x509: invalid version");
    }

    let Some(serial) = tbs.read_big_int() else {
        return err("x509: malformed serial number");
    };
    if serial[0] & 0x80 != 0 {
        return err("x509: negative serial number");
    }

    let Some(sig_ai_el) = tbs.read_element(SEQUENCE) else {
        return err("x509: malformed signature algorithm identifier");
    };
    let Some(sig_ai) = Der(sig_ai_el).read(SEQUENCE) else {
        return err("x509: malformed signature algorithm identifier");
    };
    let Some(outer_sig_ai) = input.read(SEQUENCE) else {
        return err("x509: malformed algorithm identifier");
    };
    if outer_sig_ai != sig_ai {
        return err("x509: inner and outer signature algorithm identifiers don't match");
    }
    parse_ai(sig_ai)?;

    let Some(issuer) = tbs.read_element(SEQUENCE) else {
        return err("x509: malformed issuer");
    };
    parse_name(issuer)?;

    let Some(validity) = tbs.read(SEQUENCE) else {
        return err("x509: malformed validity");
    };
    let mut validity = Der(validity);
    read_time(&mut validity)?;
    read_time(&mut validity)?;

    // Go's own wording: the subject's error names the issuer.
    let Some(subject) = tbs.read_element(SEQUENCE) else {
        return err("x509: malformed issuer");
    };
    parse_name(subject)?;

    let Some(spki_el) = tbs.read_element(SEQUENCE) else {
        return err("x509: malformed spki");
    };
    let Some(spki) = Der(spki_el).read(SEQUENCE) else {
        return err("x509: malformed spki");
    };
    let mut spki = Der(spki);
    let Some(pk_ai) = spki.read(SEQUENCE) else {
        return err("x509: malformed public key algorithm identifier");
    };
    let (pk_oid, pk_params) = parse_ai(pk_ai)?;
    let Some(key) = spki.read_bit_string() else {
        return err("x509: malformed subjectPublicKey");
    };
    parse_public_key(&pk_oid, pk_params, &key)?;

    if version > 1 {
        if !tbs.skip_optional(ctx(1)) {
            return err("x509: malformed issuerUniqueID");
        }
        if !tbs.skip_optional(ctx(2)) {
            return err("x509: malformed subjectUniqueID");
        }
        if version == 3 {
            let Some(extensions) = tbs.read_optional(ctx_cons(3)) else {
                return err("x509: malformed extensions");
            };
            if let Some(extensions) = extensions {
                let Some(list) = Der(extensions).read(SEQUENCE) else {
                    return err("x509: malformed extensions");
                };
                let mut list = Der(list);
                let mut seen: Vec<Extension> = Vec::new();
                while !list.is_empty() {
                    let Some(ext) = list.read(SEQUENCE) else {
                        return err("x509: malformed extension");
                    };
                    let ext = parse_extension(ext)?;
                    if seen.iter().any(|e| e.id == ext.id) {
                        return Err(format!(
                            "x509: certificate contains duplicate extension with OID \"{}\"",
                            oid_string(&ext.id)
                        ));
                    }
                    seen.push(ext);
                }
                process_extensions(&seen)?;
            }
        }
    }

    if input.read_bit_string().is_none() {
        return err("x509: malformed signature");
    }
    Ok(raw.len())
}

/// `parseAI`: the algorithm's OID and its parameters' whole element (empty when absent);
/// anything after the parameters is ignored.
fn parse_ai(der: &[u8]) -> Parsed<(Vec<u64>, &[u8])> {
    let mut der = Der(der);
    let Some(oid) = der.read_oid() else {
        return err("x509: malformed OID");
    };
    if der.is_empty() {
        return Ok((oid, &[]));
    }
    match der.read_any_element() {
        Some((_, params, _)) => Ok((oid, params)),
        None => err("x509: malformed parameters"),
    }
}

/// `parseName`: a SEQUENCE of SETs of (OID, value) SEQUENCEs.
fn parse_name(raw: &[u8]) -> Parsed<()> {
    let Some(seq) = Der(raw).read(SEQUENCE) else {
        return err("x509: invalid RDNSequence");
    };
    let mut seq = Der(seq);
    while !seq.is_empty() {
        let Some(set) = seq.read(SET) else {
            return err("x509: invalid RDNSequence");
        };
        let mut set = Der(set);
        while !set.is_empty() {
            let Some(atav) = set.read(SEQUENCE) else {
                return err("x509: invalid RDNSequence: invalid attribute");
            };
            let mut atav = Der(atav);
            if atav.read_oid().is_none() {
                return err("x509: invalid RDNSequence: invalid attribute type");
            }
            read_asn1_any(&mut atav)
                .map_err(|e| format!("x509: invalid RDNSequence: invalid attribute value: {e}"))?;
        }
    }
    Ok(())
}

/// `readASN1Any`: the attribute value's checks by its tag.
fn read_asn1_any(der: &mut Der<'_>) -> Parsed<()> {
    let Some((tag, full, header)) = der.read_any_element() else {
        return err("invalid ASN.1 element");
    };
    let value = &full[header..];
    match tag {
        T61_STRING => Ok(()),
        PRINTABLE_STRING => {
            if value.iter().all(|&b| is_printable(b)) {
                Ok(())
            } else {
                err("invalid PrintableString")
            }
        }
        UTF8_STRING => {
            if std::str::from_utf8(value).is_ok() {
                Ok(())
            } else {
                err("invalid UTF-8 string")
            }
        }
        BMP_STRING => check_bmp(value),
        IA5_STRING => {
            if value.is_ascii() {
                Ok(())
            } else {
                err("invalid IA5String")
            }
        }
        NUMERIC_STRING => {
            if value.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                Ok(())
            } else {
                err("invalid NumericString")
            }
        }
        INTEGER => match Der(full).read_i64() {
            Some(_) => Ok(()),
            None => err("invalid ASN.1 integer"),
        },
        BIT_STRING => match Der(full).read_bit_string() {
            Some(_) => Ok(()),
            None => err("invalid ASN.1 BIT STRING"),
        },
        OBJECT_IDENTIFIER => match Der(full).read_oid() {
            Some(_) => Ok(()),
            None => err("invalid ASN.1 OBJECT IDENTIFIER"),
        },
        UTC_TIME | GENERALIZED_TIME => read_time(&mut Der(full)),
        BOOLEAN => match Der(full).read_bool() {
            Some(_) => Ok(()),
            None => err("invalid ASN.1 BOOLEAN"),
        },
        // OCTET STRING, NULL and any other tag: the element already read whole.
        OCTET_STRING | NULL => Ok(()),
        _ => Ok(()),
    }
}

/// The PrintableString set, with Go's tolerated `*` and `&`.
fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || matches!(b, b' ' | b':' | b'=' | b'?' | b'*' | b'&')
}

/// BMPString: UCS-2, an even length, a trailing `00 00` dropped, no surrogates and no
/// permanent noncharacters.
fn check_bmp(value: &[u8]) -> Parsed<()> {
    if !value.len().is_multiple_of(2) {
        return err("invalid BMPString");
    }
    let value = match value {
        [rest @ .., 0, 0] => rest,
        v => v,
    };
    for pair in value.chunks(2) {
        let point = u16::from_be_bytes([pair[0], pair[1]]);
        if point == 0xfffe
            || point == 0xffff
            || (0xfdd0..=0xfdef).contains(&point)
            || (0xd800..=0xdfff).contains(&point)
        {
            return err("invalid BMPString");
        }
    }
    Ok(())
}

/// `readASN1Time`: a UTCTime or a GeneralizedTime, as cryptobyte reads them.
fn read_time(der: &mut Der<'_>) -> Parsed<()> {
    if der.peek(UTC_TIME) {
        match der.read(UTC_TIME) {
            Some(t) if utc_time_ok(t) => Ok(()),
            _ => err("x509: malformed UTCTime"),
        }
    } else if der.peek(GENERALIZED_TIME) {
        match der.read(GENERALIZED_TIME) {
            Some(t) if go_time_round_trips(t, 4, true) => Ok(()),
            _ => err("x509: malformed GeneralizedTime"),
        }
    } else {
        err("x509: unsupported time format")
    }
}

/// `ReadASN1UTCTime`: layout `060102150405Z0700`, else `0601021504Z0700`.
fn utc_time_ok(t: &[u8]) -> bool {
    go_time_round_trips(t, 2, true) || go_time_round_trips(t, 2, false)
}

/// Whether Go's `time.Parse` of `t` with the layout `YYMMDDhhmm[ss]Z0700` (`year_digits` 2
/// or 4) succeeds and `Format` gives `t` back, cryptobyte's test. The round trip leaves
/// only the canonical text: fixed-width digits in range (the day within its month), then
/// `Z`, or a non-zero `±hhmm` offset with hours up to 24 and minutes below 60.
fn go_time_round_trips(t: &[u8], year_digits: usize, seconds: bool) -> bool {
    let fields = year_digits + if seconds { 10 } else { 8 };
    if t.len() < fields || !t[..fields].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |at: usize, n: usize| {
        t[at..at + n]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let mut year = num(0, year_digits);
    if year_digits == 2 {
        year += if year >= 69 { 1900 } else { 2000 };
    }
    let at = year_digits;
    let (month, day, hour, minute) = (num(at, 2), num(at + 2, 2), num(at + 4, 2), num(at + 6, 2));
    let second = if seconds { num(at + 8, 2) } else { 0 };
    let fields_ok = (1..=12).contains(&month)
        && day >= 1
        && i64::from(day) <= days_in_month(i64::from(year), i64::from(month))
        && hour < 24
        && minute < 60
        && second < 60;
    let zone_ok = match &t[fields..] {
        b"Z" => true,
        [b'+' | b'-', h1, h2, m1, m2] if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) => {
            let hh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            hh <= 24 && mm < 60 && (hh, mm) != (0, 0)
        }
        _ => false,
    };
    fields_ok && zone_ok
}

/// `parsePublicKey` for the algorithms `getPublicKeyAlgorithmFromOID` knows in a
/// certificate (RSA, DSA, ECDSA, Ed25519); any other key is not parsed.
fn parse_public_key(oid: &[u64], params: &[u8], data: &[u8]) -> Parsed<()> {
    if oid_is(oid, OID_RSA) {
        if params != [0x05, 0x00] {
            return err("x509: RSA key missing NULL parameters");
        }
        let Some(key) = Der(data).read(SEQUENCE) else {
            return err("x509: invalid RSA public key");
        };
        let mut key = Der(key);
        let Some(n) = key.read_big_int() else {
            return err("x509: invalid RSA modulus");
        };
        let Some(e) = key.read_i64() else {
            return err("x509: invalid RSA public exponent");
        };
        if !positive(n) {
            return err("x509: RSA modulus is not a positive number");
        }
        if e <= 0 {
            return err("x509: RSA public exponent is not a positive number");
        }
        Ok(())
    } else if oid_is(oid, OID_ECDSA) {
        let Some(curve) = Der(params).read_oid() else {
            return err("x509: invalid ECDSA parameters");
        };
        if !NAMED_CURVES.iter().any(|c| oid_is(&curve, c)) {
            return err("x509: unsupported elliptic curve");
        }
        if data.first() != Some(&4) {
            return err("ecdsa: invalid uncompressed public key");
        }
        Ok(())
    } else if oid_is(oid, OID_ED25519) {
        if !params.is_empty() {
            return err("x509: Ed25519 key encoded with illegal parameters");
        }
        if data.len() != 32 {
            return err("x509: wrong Ed25519 public key size");
        }
        Ok(())
    } else if oid_is(oid, OID_DSA) {
        let mut der = Der(data);
        let Some(y) = der.read_big_int() else {
            return err("x509: invalid DSA public key");
        };
        let mut p = Der(params);
        let Some(seq) = p.read(SEQUENCE) else {
            return err("x509: invalid DSA parameters");
        };
        let mut seq = Der(seq);
        let (Some(pp), Some(q), Some(g)) =
            (seq.read_big_int(), seq.read_big_int(), seq.read_big_int())
        else {
            return err("x509: invalid DSA parameters");
        };
        if ![y, pp, q, g].iter().all(|v| positive(v)) {
            return err("x509: zero or negative DSA parameter");
        }
        Ok(())
    } else {
        Ok(())
    }
}

/// A minimal two's-complement integer's `Sign() > 0`.
fn positive(c: &[u8]) -> bool {
    c[0] & 0x80 == 0 && c != [0]
}

/// `pkix.Extension` as `parseExtension` reads it.
struct Extension<'a> {
    id: Vec<u64>,
    critical: bool,
    value: &'a [u8],
}

fn parse_extension(der: &[u8]) -> Parsed<Extension<'_>> {
    let mut der = Der(der);
    let Some(id) = der.read_oid() else {
        return err("x509: malformed extension OID field");
    };
    let mut critical = false;
    if der.peek(BOOLEAN) {
        match der.read_bool() {
            Some(c) => critical = c,
            None => return err("x509: malformed extension critical field"),
        }
    }
    let Some(value) = der.read(OCTET_STRING) else {
        return err("x509: malformed extension value field");
    };
    Ok(Extension {
        id,
        critical,
        value,
    })
}

/// `processExtensions`: the contents of the extensions Go reads, in the certificate's order.
fn process_extensions(exts: &[Extension<'_>]) -> Parsed<()> {
    for e in exts {
        match e.id.as_slice() {
            [2, 5, 29, n] => process_standard_extension(*n, e)?,
            id if oid_is(id, OID_AIA) => {
                if e.critical {
                    return err("x509: authority info access incorrectly marked critical");
                }
                const BAD: &str = "x509: invalid authority info access";
                let Some(list) = Der(e.value).read(SEQUENCE) else {
                    return err(BAD);
                };
                let mut list = Der(list);
                while !list.is_empty() {
                    let Some(aia) = list.read(SEQUENCE) else {
                        return err(BAD);
                    };
                    let mut aia = Der(aia);
                    if aia.read_oid().is_none() {
                        return err(BAD);
                    }
                    if aia.peek(ctx(6)) && aia.read(ctx(6)).is_none() {
                        return err(BAD);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `processExtensions`' cases under `2.5.29`.
fn process_standard_extension(n: u64, e: &Extension<'_>) -> Parsed<()> {
    match n {
        15 if Der(e.value).read_bit_string().is_none() => {
            return err("x509: invalid key usage");
        }
        19 => {
            const BAD: &str = "x509: invalid basic constraints";
            let Some(bc) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut bc = Der(bc);
            if bc.peek(BOOLEAN) && bc.read_bool().is_none() {
                return err(BAD);
            }
            if bc.peek(INTEGER) && bc.read_u64().is_none_or(|m| m > i64::MAX as u64) {
                return err(BAD);
            }
        }
        17 => parse_san(e.value)?,
        30 => parse_name_constraints(e.value)?,
        31 => parse_crl_distribution_points(e.value)?,
        35 => {
            if e.critical {
                return err("x509: authority key identifier incorrectly marked critical");
            }
            const BAD: &str = "x509: invalid authority key identifier";
            let Some(akid) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut akid = Der(akid);
            if akid.peek(ctx(0)) && akid.read(ctx(0)).is_none() {
                return err(BAD);
            }
        }
        36 => {
            const BAD: &str = "x509: invalid policy constraints extension";
            let Some(pc) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut pc = Der(pc);
            for tag in [ctx(0), ctx(1)] {
                if pc.peek(tag) && pc.read_i64_with_tag(tag).is_none() {
                    return err(BAD);
                }
            }
        }
        37 => {
            const BAD: &str = "x509: invalid extended key usages";
            let Some(list) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut list = Der(list);
            while !list.is_empty() {
                if list.read_oid().is_none() {
                    return err(BAD);
                }
            }
        }
        14 => {
            if e.critical {
                return err("x509: subject key identifier incorrectly marked critical");
            }
            if Der(e.value).read(OCTET_STRING).is_none() {
                return err("x509: invalid subject key identifier");
            }
        }
        32 => {
            const BAD: &str = "x509: invalid certificate policies";
            let Some(list) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut list = Der(list);
            let mut seen: Vec<&[u8]> = Vec::new();
            while !list.is_empty() {
                let Some(oid) = list
                    .read(SEQUENCE)
                    .and_then(|cp| Der(cp).read(OBJECT_IDENTIFIER))
                else {
                    return err(BAD);
                };
                if seen.contains(&oid) || !oid_der_valid(oid) {
                    return err(BAD);
                }
                seen.push(oid);
            }
        }
        33 => {
            const BAD: &str = "x509: invalid policy mappings extension";
            let Some(list) = Der(e.value).read(SEQUENCE) else {
                return err(BAD);
            };
            let mut list = Der(list);
            while !list.is_empty() {
                let Some(m) = list.read(SEQUENCE) else {
                    return err(BAD);
                };
                let mut m = Der(m);
                if m.read(OBJECT_IDENTIFIER).is_none() || m.read(OBJECT_IDENTIFIER).is_none() {
                    return err(BAD);
                }
            }
        }
        54 if Der(e.value).read_i64().is_none() => {
            return err("x509: invalid inhibit any policy extension");
        }
        _ => {}
    }
    Ok(())
}

/// `newOIDFromDER`: non-empty, the last octet ending a component, no component with a
/// leading `0x80`.
fn oid_der_valid(der: &[u8]) -> bool {
    if der.last().is_none_or(|l| l & 0x80 != 0) {
        return false;
    }
    let mut start = 0;
    for (i, &v) in der.iter().enumerate() {
        if i == start && v == 0x80 {
            return false;
        }
        if v & 0x80 == 0 {
            start = i + 1;
        }
    }
    true
}

/// `parseSANExtension` through `forEachSAN`.
fn parse_san(value: &[u8]) -> Parsed<()> {
    let Some(list) = Der(value).read(SEQUENCE) else {
        return err("x509: invalid subject alternative names");
    };
    let mut list = Der(list);
    while !list.is_empty() {
        let Some((tag, data)) = list.read_any() else {
            return err("x509: invalid subject alternative name");
        };
        match tag ^ 0x80 {
            1 if !data.is_ascii() => return err("x509: SAN rfc822Name is malformed"),
            2 if !data.is_ascii() => return err("x509: SAN dNSName is malformed"),
            6 => {
                if !data.is_ascii() {
                    return err("x509: SAN uniformResourceIdentifier is malformed");
                }
                let uri = String::from_utf8_lossy(data);
                let quoted = crate::go_url::quote_bytes(data);
                let parsed = crate::go_url::parse(&uri)
                    .map_err(|e| format!("x509: cannot parse URI {quoted}: {e}"))?;
                if !parsed.host.is_empty() && !domain_name_valid(&parsed.host, false) {
                    return Err(format!("x509: cannot parse URI {quoted}: invalid domain"));
                }
            }
            7 => match data.len() {
                16 if is_v4_mapped(data) => {
                    return err("x509: SAN iPAddress contains IPv4-mapped IPv6 address");
                }
                4 | 16 => {}
                n => return Err(format!("x509: cannot parse IP address of length {n}")),
            },
            _ => {}
        }
    }
    Ok(())
}

/// `net.IP.To4() != nil` for a 16-byte address: `::ffff:a.b.c.d`.
fn is_v4_mapped(ip: &[u8]) -> bool {
    ip[..10].iter().all(|&b| b == 0) && ip[10] == 0xff && ip[11] == 0xff
}

/// Go's `domainNameValid` (with its checks still disabled upstream left out).
fn domain_name_valid(s: &str, constraint: bool) -> bool {
    let s = s.as_bytes();
    if s.is_empty() {
        return true;
    }
    if s.last() == Some(&b'.') {
        return false;
    }
    let s = if constraint && s[0] == b'.' {
        &s[1..]
    } else {
        s
    };
    s.split(|&b| b == b'.')
        .all(|label| !label.is_empty() && label.iter().all(|&b| (33..=126).contains(&b)))
}

/// `parseNameConstraintsExtension`: the structure, DNS, IP and URI constraints; an email
/// constraint's `@` mailbox grammar (`parseRFC2821Mailbox`) is not checked.
fn parse_name_constraints(value: &[u8]) -> Parsed<()> {
    const BAD: &str = "x509: invalid NameConstraints extension";
    let mut outer = Der(value);
    let Some(top) = outer.read(SEQUENCE) else {
        return err(BAD);
    };
    if !outer.is_empty() {
        return err(BAD);
    }
    let mut top = Der(top);
    let (Some(permitted), Some(excluded)) = (
        top.read_optional(ctx_cons(0)),
        top.read_optional(ctx_cons(1)),
    ) else {
        return err(BAD);
    };
    if !top.is_empty() {
        return err(BAD);
    }
    if permitted.is_none() && excluded.is_none() {
        return err("x509: empty name constraints extension");
    }
    if permitted.is_some_and(<[u8]>::is_empty) || excluded.is_some_and(<[u8]>::is_empty) {
        return err("x509: empty name constraints subtree sequence");
    }
    for subtrees in [permitted, excluded].into_iter().flatten() {
        let mut subtrees = Der(subtrees);
        while !subtrees.is_empty() {
            let Some((tag, value)) = subtrees.read(SEQUENCE).and_then(|seq| Der(seq).read_any())
            else {
                return err(BAD);
            };
            let text = String::from_utf8_lossy(value);
            let quoted = crate::go_url::quote_bytes(value);
            let ia5 = |v: &[u8]| {
                if v.is_ascii() {
                    Ok(())
                } else {
                    // `isIA5String`'s error, Go-quoting the whole value.
                    Err(format!(
                        "x509: invalid constraint value: x509: {quoted} cannot be encoded as an IA5String"
                    ))
                }
            };
            match tag {
                t if t == ctx(2) => {
                    ia5(value)?;
                    if !domain_name_valid(&text, true) {
                        return Err(format!("x509: failed to parse dnsName constraint {quoted}"));
                    }
                }
                t if t == ctx(7) => {
                    let (ip, mask) = match value.len() {
                        8 => value.split_at(4),
                        32 => value.split_at(16),
                        n => {
                            return Err(format!(
                                "x509: IP constraint contained value of length {n}"
                            ));
                        }
                    };
                    if !valid_ip_mask(mask) {
                        let hex: String = mask.iter().map(|b| format!("{b:02x}")).collect();
                        return Err(format!("x509: IP constraint contained invalid mask {hex}"));
                    }
                    if ip.len() == 16 && is_v4_mapped(ip) {
                        return err("x509: IP constraint contained IPv4-mapped IPv6 address");
                    }
                }
                t if t == ctx(1) => {
                    ia5(value)?;
                    if !text.contains('@') && !domain_name_valid(&text, true) {
                        return Err(format!(
                            "x509: failed to parse rfc822Name constraint {quoted}"
                        ));
                    }
                }
                t if t == ctx(6) => {
                    ia5(value)?;
                    if text.parse::<std::net::IpAddr>().is_ok() {
                        return Err(format!(
                            "x509: failed to parse URI constraint {quoted}: cannot be IP address"
                        ));
                    }
                    if !domain_name_valid(&text, true) {
                        return Err(format!("x509: failed to parse URI constraint {quoted}"));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// `isValidIPMask`: ones, then zeros.
fn valid_ip_mask(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    for &b in mask {
        if seen_zero {
            if b != 0 {
                return false;
            }
            continue;
        }
        match b {
            0x00 | 0x80 | 0xc0 | 0xe0 | 0xf0 | 0xf8 | 0xfc | 0xfe => seen_zero = true,
            0xff => {}
            _ => return false,
        }
    }
    true
}

/// The CRL distribution points' case of `processExtensions`.
fn parse_crl_distribution_points(value: &[u8]) -> Parsed<()> {
    const BAD: &str = "x509: invalid CRL distribution point";
    let Some(list) = Der(value).read(SEQUENCE) else {
        return err("x509: invalid CRL distribution points");
    };
    let mut list = Der(list);
    while !list.is_empty() {
        let Some(dp) = list.read(SEQUENCE) else {
            return err(BAD);
        };
        let mut dp = Der(dp);
        let Some(name) = dp.read_optional(ctx_cons(0)) else {
            return err(BAD);
        };
        let Some(name) = name else {
            continue;
        };
        let Some(full) = Der(name).read(ctx_cons(0)) else {
            return err(BAD);
        };
        let mut full = Der(full);
        while !full.is_empty() && full.peek(ctx(6)) {
            if full.read(ctx(6)).is_none() {
                return err(BAD);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_follow_cryptobyte() {
        // Long form for a length below 128 is not DER.
        assert!(
            Der(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0])
                .read(SEQUENCE)
                .is_none()
        );
        assert!(Der(&[0x30, 0x00]).read(SEQUENCE).is_some());
        assert!(Der(&[0x1f, 0x00]).read_any().is_none());
    }

    #[test]
    fn empty_and_garbage_are_malformed() {
        assert_eq!(parse_certificate(b""), err("x509: malformed certificate"));
        assert_eq!(
            parse_certificate(&[0x30, 0x00]),
            err("x509: malformed tbs certificate")
        );
    }

    #[test]
    fn utc_times_round_trip_only_canonically() {
        assert!(utc_time_ok(b"250101000000Z"));
        assert!(utc_time_ok(b"2501010000Z"));
        assert!(!utc_time_ok(b"250101000000+0000"));
        assert!(utc_time_ok(b"250101000000+0130"));
        assert!(!utc_time_ok(b"250230000000Z"));
        assert!(!utc_time_ok(b"250101240000Z"));
        assert!(go_time_round_trips(b"20240229000000Z", 4, true));
        assert!(!go_time_round_trips(b"20230229000000Z", 4, true));
    }

    #[test]
    fn pem_skips_blocks_go_would_not_decode() {
        let text = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(pem_decode(text).is_none());
        let text = b"-----BEGIN X-----\nQUJD\n-----END X-----\nrest";
        let (block, rest) = pem_decode(text).expect("a block");
        assert_eq!(
            (block.kind.as_slice(), block.bytes.as_slice()),
            (&b"X"[..], &b"ABC"[..])
        );
        assert_eq!(rest, b"rest");
    }
}
