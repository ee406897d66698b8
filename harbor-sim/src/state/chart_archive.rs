//! A Helm chart's archive as Harbor's chart processor reads it for an artifact's additions
//! (`AbstractAddition` in `src/controller/artifact/processor/chart/chart.go`, `GetDetails`
//! in `src/pkg/chart/operator.go`): Helm's loader (`loader.LoadArchive` of Helm 3.18, the
//! version Harbor builds with) unpacks and checks the archive, and Harbor then picks the
//! chart's `README.md`, its `values.yaml` and its dependencies out of what it loaded.
//!
//! Helm refuses what Harbor then answers 500 for (the error itself is only logged):
//!
//! - content that is not a gzip-compressed tar, or a tar with no files;
//! - a file outside the chart's own directory (an absolute path, `..`, a drive letter, a
//!   `Chart.yaml` at the archive's root), a file over 5 MiB or a chart over 100 MiB;
//! - a `Chart.yaml`, `values.yaml` or `requirements.yaml` that does not decode (YAML, then
//!   Go's `encoding/json` into Helm's types, through `sigs.k8s.io/yaml`, which turns a number
//!   or a boolean meant for a string field into its text first: `version: 1.10` is `1.1`);
//! - no `Chart.yaml`, or metadata that Helm's `Validate` refuses (no `apiVersion` once a
//!   missing one is taken as `v1`, no or a bad `name`, no `version` or one that is not
//!   semantic, a `type` other than `application` or `library`, a null maintainer or
//!   dependency, a bad alias, two dependencies of one name or alias);
//! - a subchart under `charts/` (a directory or a `.tgz`) that does not load by the same
//!   rules, which includes a plain file right under `charts/`.
//!
//! What Harbor answers from a loaded chart: the top-level file whose name is `README.MD` or
//! `VALUES.YAML` in capitals (empty when there is none), and the dependencies as JSON: a `v2`
//! chart's from its metadata (after Helm's `Validate` cleaned their text), `null` when it has
//! none; a `v1` chart's from its `requirements.yaml` (which must then list `dependencies`),
//! `[]` without one; any other `apiVersion`, `[]`.
//!
//! Three approximations: YAML is read as YAML 1.2 (Helm's `yaml.v2` is YAML 1.1, where `yes`
//! and `on` are booleans and `010` is octal); Go's `unicode.IsPrint`, which Helm's clean-up
//! applies, is approximated by leaving out control, format and private-use characters; and
//! `Chart.lock` and `requirements.lock`, which Helm decodes too, are not read, so a lock file
//! Helm refuses does not fail the chart here. Harbor reads a `v1` chart's
//! `requirements.yaml` with `goccy/go-yaml`; the simulator reads it as Helm does.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Map, Value};

use crate::go_json::{self, Shape};

/// `MaxDecompressedChartSize`: what a chart's files may hold in all.
const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// `MaxDecompressedFileSize`: what one of its files may hold.
const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// What Harbor reads off a chart for its additions (`chart.VersionDetails`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartDetails {
    /// The `README.MD` addition: the chart's readme, empty without one.
    pub readme: Vec<u8>,
    /// The `VALUES.YAML` addition: the chart's values file as written, empty without one.
    pub values: Vec<u8>,
    /// The `DEPENDENCIES` addition, as Go's `json.Marshal` of Helm's dependencies writes it.
    pub dependencies: String,
}

/// `operator.GetDetails`: the chart archive `content` (a layer's blob) loaded as Helm loads
/// it, and the additions Harbor takes from it; the error Helm or Harbor gives otherwise.
pub fn chart_details(content: &[u8]) -> Result<ChartDetails, String> {
    if content.is_empty() {
        return Err("zero content".into());
    }
    let chart = load_files(load_archive_files(content)?)?;
    let mut details = ChartDetails {
        readme: Vec::new(),
        values: Vec::new(),
        dependencies: String::new(),
    };
    let api_version = chart.metadata.get("apiVersion").and_then(Value::as_str);
    let mut dependencies = match api_version {
        // A v2 chart's dependencies are its metadata's, `null` when it names none.
        Some("v2") => chart
            .metadata
            .get("dependencies")
            .cloned()
            .unwrap_or(Value::Null),
        _ => Value::Array(Vec::new()),
    };
    for file in chart.raw {
        match file.name.to_uppercase().as_str() {
            "REQUIREMENTS.YAML" if api_version == Some("v1") => {
                dependencies = requirements_dependencies(&file.data)?;
            }
            "README.MD" => details.readme = file.data,
            "VALUES.YAML" => details.values = file.data,
            _ => {}
        }
    }
    details.dependencies = dependencies_json(&dependencies);
    Ok(details)
}

/// Go's `json.Marshal` of `[]*chart.Dependency`: each in the struct's field order, the
/// `omitempty` ones left out when empty, `null` for a nil list or element.
fn dependencies_json(dependencies: &Value) -> String {
    let Value::Array(items) = dependencies else {
        return "null".into();
    };
    let written: Vec<String> = items
        .iter()
        .map(|item| {
            if !item.is_object() {
                return "null".into();
            }
            let mut fields = Vec::new();
            for (name, _) in DEPENDENCY_FIELDS {
                let value = go_json::go_field(item, name);
                let empty = match value {
                    Value::Null => true,
                    Value::String(text) => text.is_empty(),
                    Value::Array(list) => list.is_empty(),
                    Value::Bool(on) => !on,
                    _ => false,
                };
                let always = matches!(*name, "name" | "repository");
                if empty && !always {
                    continue;
                }
                let value = if value.is_null() && always {
                    &Value::String(String::new())
                } else {
                    value
                };
                fields.push(format!("\"{name}\":{}", go_json::marshal(value)));
            }
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    format!("[{}]", written.join(","))
}

/// A file of the archive, named relative to the chart's directory (`loader.BufferedFile`).
#[derive(Debug, Clone)]
struct ChartFile {
    name: String,
    data: Vec<u8>,
}

/// A loaded chart: its metadata (JSON names of `chart.Metadata`, as decoded) and every file
/// in the archive's order (`Chart.Raw`).
struct LoadedChart {
    metadata: Map<String, Value>,
    raw: Vec<ChartFile>,
}

/// `loader.LoadArchiveFiles`: the files of a gzip-compressed tar, each named without the
/// archive's first path element, with the checks that keep a chart inside its directory.
fn load_archive_files(content: &[u8]) -> Result<Vec<ChartFile>, String> {
    if !content.starts_with(&[0x1f, 0x8b]) {
        return Err("gzip: invalid header".into());
    }
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(content));
    let entries = archive.entries().map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    let mut remaining = MAX_CHART_SIZE;
    for entry in entries {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let header = entry.header();
        let kind = header.entry_type();
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        // Go's reader turns an old-style regular file named with a trailing `/` into a
        // directory; extended headers are skipped.
        let old_style_dir = header.as_bytes()[156] == 0 && raw_name.ends_with('/');
        if kind.is_dir() || old_style_dir || kind.is_pax_global_extensions() {
            continue;
        }
        if kind.is_pax_local_extensions() {
            continue;
        }
        let name = chart_path(&raw_name)?;
        let size = entry.size();
        if size > remaining {
            return Err(too_large());
        }
        if size > MAX_FILE_SIZE {
            return Err(format!(
                "decompressed chart file {raw_name:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            ));
        }
        let mut data = Vec::new();
        let read = (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(|e| e.to_string())? as u64;
        remaining -= read;
        if read < size || remaining == 0 {
            return Err(too_large());
        }
        if data.starts_with(b"\xef\xbb\xbf") {
            data.drain(..3);
        }
        files.push(ChartFile { name, data });
    }
    if files.is_empty() {
        return Err("no files in chart archive".into());
    }
    Ok(files)
}

fn too_large() -> String {
    format!("decompressed chart is larger than the maximum file size {MAX_CHART_SIZE}")
}

/// A tar entry's name without its first element, `/`-separated and cleaned, or Helm's
/// refusal of it.
fn chart_path(raw: &str) -> Result<String, String> {
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let parts: Vec<&str> = raw.split(delimiter).collect();
    let joined = parts[1..].join("/");
    if joined.starts_with('/') {
        return Err("chart illegally contains absolute paths".into());
    }
    let name = clean_path(&joined);
    if name == "." {
        return Err(format!(
            "chart illegally contains content outside the base directory: {raw:?}"
        ));
    }
    if name.starts_with("..") {
        return Err("chart illegally references parent directory".into());
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/" {
        return Err("chart contains illegally named files".into());
    }
    if parts[0] == "Chart.yaml" {
        return Err("chart yaml not in base directory".into());
    }
    Ok(name)
}

/// Go's `path.Clean` of a relative path: `.` elements and repeated slashes dropped, `..`
/// applied where it can be; `.` for nothing.
pub(crate) fn clean_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." if out.last().is_some_and(|last| *last != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

/// `loader.LoadFiles`: the chart's metadata from `Chart.yaml` (a missing `apiVersion` is
/// `v1`), its values and `requirements.yaml` decoded, the metadata validated, then each
/// subchart under `charts/` loaded the same way.
fn load_files(files: Vec<ChartFile>) -> Result<LoadedChart, String> {
    let mut metadata: Option<Map<String, Value>> = None;
    for file in files.iter().filter(|f| f.name == "Chart.yaml") {
        let into = metadata.get_or_insert_with(Map::new);
        decode_metadata(into, &file.data, "Chart.yaml")?;
        if into
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            into.insert("apiVersion".into(), Value::String("v1".into()));
        }
    }
    let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
    for file in &files {
        match file.name.as_str() {
            "values.yaml" => {
                let values = yaml_to_json(&file.data, &VALUES)
                    .map_err(|e| format!("cannot load values.yaml: {e}"))?;
                go_json::unmarshal(&values.to_string(), &VALUES).map_err(|e| {
                    format!(
                        "cannot load values.yaml: error unmarshaling JSON: while decoding JSON: {e}"
                    )
                })?;
            }
            "requirements.yaml" => {
                decode_metadata(
                    metadata.get_or_insert_with(Map::new),
                    &file.data,
                    "requirements.yaml",
                )?;
            }
            name if name.starts_with("charts/") => {
                let inner = &name["charts/".len()..];
                if !inner.ends_with(".prov") {
                    let chart = inner.split('/').next().unwrap_or_default();
                    subcharts.entry(chart.into()).or_default().push(ChartFile {
                        name: inner.into(),
                        data: file.data.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    let Some(mut metadata) = metadata else {
        return Err("Chart.yaml file is missing".into());
    };
    validate(&mut metadata).map_err(|e| format!("validation: {e}"))?;
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for (subchart, files) in subcharts {
        if subchart.starts_with(['_', '.']) {
            continue;
        }
        let loaded = if subchart.ends_with(".tgz") {
            match files.first() {
                Some(file) if file.name == subchart => {
                    load_archive_files(&file.data).and_then(load_files)
                }
                other => {
                    return Err(format!(
                        "error unpacking subchart tar in {name}: expected {subchart}, got {}",
                        other.map_or("", |f| f.name.as_str())
                    ));
                }
            }
        } else {
            let inside = files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(ChartFile {
                        name: rest.into(),
                        data: f.data,
                    })
                })
                .collect();
            load_files(inside)
        };
        if let Err(e) = loaded {
            return Err(format!(
                "error unpacking subchart {subchart} in {name}: {e}"
            ));
        }
    }
    Ok(LoadedChart {
        metadata,
        raw: files,
    })
}

/// `chart.Maintainer`.
const MAINTAINER: Shape = Shape::Struct {
    type_name: "chart.Maintainer",
    name: "Maintainer",
    fields: &[
        ("name", Shape::String),
        ("email", Shape::String),
        ("url", Shape::String),
    ],
};

/// `[]string`.
const STRINGS: Shape = Shape::Slice {
    type_name: "[]string",
    element: &Shape::String,
};

/// `chart.Dependency`.
const DEPENDENCY: Shape = Shape::Struct {
    type_name: "chart.Dependency",
    name: "Dependency",
    fields: DEPENDENCY_FIELDS,
};

/// The fields of [`DEPENDENCY`] by JSON name, in the struct's order.
const DEPENDENCY_FIELDS: &[(&str, Shape)] = &[
    ("name", Shape::String),
    ("version", Shape::String),
    ("repository", Shape::String),
    ("condition", Shape::String),
    ("tags", STRINGS),
    ("enabled", Shape::Bool),
    (
        "import-values",
        Shape::Slice {
            type_name: "[]interface {}",
            element: &Shape::Any,
        },
    ),
    ("alias", Shape::String),
];

/// `[]*chart.Dependency`.
const DEPENDENCIES: Shape = Shape::Slice {
    type_name: "[]*chart.Dependency",
    element: &DEPENDENCY,
};

/// `chart.Metadata`, the fields of `Chart.yaml` (and of `requirements.yaml`, decoded into the
/// same value).
const METADATA: Shape = Shape::Struct {
    type_name: "chart.Metadata",
    name: "Metadata",
    fields: METADATA_FIELDS,
};

/// The fields of [`METADATA`] by JSON name.
const METADATA_FIELDS: &[(&str, Shape)] = &[
    ("name", Shape::String),
    ("home", Shape::String),
    ("sources", STRINGS),
    ("version", Shape::String),
    ("description", Shape::String),
    ("keywords", STRINGS),
    (
        "maintainers",
        Shape::Slice {
            type_name: "[]*chart.Maintainer",
            element: &MAINTAINER,
        },
    ),
    ("icon", Shape::String),
    ("apiVersion", Shape::String),
    ("condition", Shape::String),
    ("tags", Shape::String),
    ("appVersion", Shape::String),
    ("deprecated", Shape::Bool),
    (
        "annotations",
        Shape::Map {
            type_name: "map[string]string",
            element: &Shape::String,
        },
    ),
    ("kubeVersion", Shape::String),
    ("dependencies", DEPENDENCIES),
    ("type", Shape::String),
];

/// `map[string]interface {}`, the values.
const VALUES: Shape = Shape::MapOfAny;

/// `yaml.Unmarshal(data, metadata)` of `sigs.k8s.io/yaml`: the fields the document names
/// replace those in `into` (a `null` clears a list or a map, and leaves the rest).
fn decode_metadata(into: &mut Map<String, Value>, data: &[u8], file: &str) -> Result<(), String> {
    let doc = yaml_to_json(data, &METADATA).map_err(|e| format!("cannot load {file}: {e}"))?;
    go_json::unmarshal(&doc.to_string(), &METADATA).map_err(|e| {
        format!("cannot load {file}: error unmarshaling JSON: while decoding JSON: {e}")
    })?;
    let Value::Object(doc) = doc else {
        return Ok(());
    };
    for (key, value) in doc {
        let Some((name, shape)) = go_json::struct_field(METADATA_FIELDS, &key) else {
            continue;
        };
        match (value, shape) {
            (Value::Null, Shape::Slice { .. } | Shape::Map { .. }) => {
                into.remove(*name);
            }
            (Value::Null, _) => {}
            (value, _) => {
                into.insert((*name).into(), value);
            }
        }
    }
    Ok(())
}

/// The first YAML document of `data` as the JSON `sigs.k8s.io/yaml` makes of it for a value
/// of `shape`: a number or a boolean meant for a string field becomes its text.
fn yaml_to_json(data: &[u8], shape: &Shape) -> Result<Value, String> {
    let text = std::str::from_utf8(data)
        .map_err(|e| format!("error converting YAML to JSON: yaml: invalid UTF-8: {e}"))?;
    let value = match serde_norway::Deserializer::from_str(text).next() {
        None => Value::Null,
        Some(document) => {
            serde::Deserialize::deserialize(document).map_err(|e: serde_norway::Error| {
                format!("error converting YAML to JSON: yaml: {e}")
            })?
        }
    };
    Ok(scalars_to_text(value, Some(shape)))
}

/// `convertToJSONableObject`: numbers and booleans headed for a string field become text
/// (`strconv.FormatFloat(f, 'g', -1, 32)` for a float).
fn scalars_to_text(value: Value, shape: Option<&Shape>) -> Value {
    match (value, shape) {
        (Value::Number(n), Some(Shape::String)) => Value::String(number_text(&n)),
        (Value::Bool(b), Some(Shape::String)) => Value::String(b.to_string()),
        (Value::Array(items), Some(Shape::Slice { element, .. })) => Value::Array(
            items
                .into_iter()
                .map(|item| scalars_to_text(item, Some(element)))
                .collect(),
        ),
        (Value::Object(map), Some(Shape::Map { element, .. })) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, scalars_to_text(v, Some(element))))
                .collect(),
        ),
        (Value::Object(map), Some(Shape::Struct { fields, .. })) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let shape = go_json::struct_field(fields, &k).map(|(_, shape)| shape);
                    (k, scalars_to_text(v, shape))
                })
                .collect(),
        ),
        (Value::Array(items), _) => Value::Array(
            items
                .into_iter()
                .map(|v| scalars_to_text(v, None))
                .collect(),
        ),
        (Value::Object(map), _) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, scalars_to_text(v, None)))
                .collect(),
        ),
        (value, _) => value,
    }
}

/// A YAML number as text: an integer in decimal, a float as Go's
/// `strconv.FormatFloat(f, 'g', -1, 32)` writes it (the shortest float32 digits; an exponent
/// below -4 or from 6 up is written `e±dd`).
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or_default() as f32;
    if f == 0.0 || !f.is_finite() {
        return f.to_string();
    }
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        f.to_string()
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// `Metadata.Validate`: cleans the text fields and checks what Helm requires; the message of
/// its `ValidationError`.
fn validate(metadata: &mut Map<String, Value>) -> Result<(), String> {
    for field in [
        "name",
        "description",
        "home",
        "icon",
        "condition",
        "tags",
        "appVersion",
        "kubeVersion",
    ] {
        sanitize_field(metadata, field);
    }
    for list in ["sources", "keywords"] {
        if let Some(Value::Array(items)) = metadata.get_mut(list) {
            items.iter_mut().for_each(sanitize_value);
        }
    }
    let text = |metadata: &Map<String, Value>, field: &str| {
        metadata
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if text(metadata, "apiVersion").is_empty() {
        return Err("chart.metadata.apiVersion is required".into());
    }
    let name = text(metadata, "name");
    if name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if name != go_base(&name) {
        return Err(format!("chart.metadata.name {name:?} is invalid"));
    }
    let version = text(metadata, "version");
    if version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    if !is_semver(&version) {
        return Err(format!("chart.metadata.version {version:?} is invalid"));
    }
    if !matches!(
        text(metadata, "type").as_str(),
        "" | "application" | "library"
    ) {
        return Err("chart.metadata.type must be application or library".into());
    }
    if let Some(Value::Array(maintainers)) = metadata.get_mut("maintainers") {
        for maintainer in maintainers {
            if maintainer.is_null() {
                return Err("maintainers must not contain empty or null nodes".into());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(Value::Array(dependencies)) = metadata.get_mut("dependencies") {
        for dependency in dependencies {
            let Value::Object(fields) = dependency else {
                return Err("dependencies must not contain empty or null nodes".into());
            };
            *fields = canonical_fields(fields, DEPENDENCY_FIELDS);
            for field in ["name", "version", "repository", "condition"] {
                sanitize_field(fields, field);
            }
            if let Some(Value::Array(tags)) = fields.get_mut("tags") {
                tags.iter_mut().for_each(sanitize_value);
            }
            let name = text(fields, "name");
            let alias = text(fields, "alias");
            let alias_ok = alias
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !alias_ok {
                return Err(format!(
                    "dependency {name:?} has disallowed characters in the alias"
                ));
            }
            let key = if alias.is_empty() { name } else { alias };
            if !seen.insert(key.clone()) {
                return Err(format!(
                    "more than one dependency with name or alias {key:?}"
                ));
            }
        }
    }
    Ok(())
}

/// An object's fields as Go decodes them into a struct of `fields`: each by its JSON name
/// (the key written so, else one equal ignoring case), `null` and unknown keys left out.
fn canonical_fields(object: &Map<String, Value>, fields: &[(&str, Shape)]) -> Map<String, Value> {
    let object = Value::Object(object.clone());
    fields
        .iter()
        .filter_map(|(name, _)| {
            let value = go_json::go_field(&object, name);
            (!value.is_null()).then(|| ((*name).to_owned(), value.clone()))
        })
        .collect()
}

fn sanitize_field(fields: &mut Map<String, Value>, field: &str) {
    if let Some(value) = fields.get_mut(field) {
        sanitize_value(value);
    }
}

fn sanitize_value(value: &mut Value) {
    if let Value::String(text) = value {
        *text = sanitize(text);
    }
}

/// Helm's `sanitizeString`: every space (`unicode.IsSpace`) becomes ` `, and what Go does not
/// print is dropped (approximated: control, format and private-use characters).
fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control()
                || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{e000}'..='\u{f8ff}')
            {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Go's `filepath.Base` on Unix: the last element, trailing slashes dropped; `.` for
/// nothing, `/` for slashes only.
fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Masterminds' `semver.NewVersion` (v3.3, with coercion): `v`, then one to three numeric
/// parts, an optional pre-release and build metadata of dot-separated `[0-9A-Za-z-]+`
/// identifiers; a numeric pre-release identifier may not start with `0`.
fn is_semver(version: &str) -> bool {
    let rest = version.strip_prefix('v').unwrap_or(version);
    let (rest, metadata) = match rest.split_once('+') {
        Some((rest, metadata)) => (rest, Some(metadata)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let numbers_ok = (1..=3).contains(&numbers.len())
        && numbers.iter().all(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.parse::<u64>().is_ok()
        });
    let identifiers_ok = |text: &str| {
        text.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let pre_ok = pre.is_none_or(|pre| {
        identifiers_ok(pre)
            && pre.split('.').all(|id| {
                !(id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
            })
    });
    numbers_ok && pre_ok && metadata.is_none_or(identifiers_ok)
}

/// Harbor's own reading of a `v1` chart's `requirements.yaml` (`goccy/go-yaml` into
/// `map[string][]*chart.Dependency`): its `dependencies` list, which it must have.
fn requirements_dependencies(data: &[u8]) -> Result<Value, String> {
    const REQUIREMENTS: Shape = Shape::Map {
        type_name: "map[string][]*chart.Dependency",
        element: &DEPENDENCIES,
    };
    let doc = yaml_to_json(data, &REQUIREMENTS)?;
    go_json::unmarshal(&doc.to_string(), &REQUIREMENTS).map_err(|e| e.to_string())?;
    match doc {
        Value::Object(mut map) if map.contains_key("dependencies") => {
            Ok(map.remove("dependencies").unwrap_or(Value::Null))
        }
        _ => Err("invalid requirements.yaml, no dependencies found".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzip-compressed tar of `files` (name under 100 bytes, text).
    fn archive(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, text) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // Written as is (the builder's own setter refuses `..`): the name field is the
            // first 100 bytes.
            header.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder
                .append(&header, text.as_bytes())
                .expect("appends to memory");
        }
        builder
            .into_inner()
            .and_then(|gz| gz.finish())
            .expect("writes to memory")
    }

    const CHART_V2: &str = "apiVersion: v2\nname: web\nversion: 1.2.3\n";

    #[test]
    fn a_v2_chart_gives_its_readme_values_and_dependencies() {
        let chart = "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: \"17.x\"\n    repository: https://charts.example.com\n    condition: redis.enabled\n    import-values: [{child: a, parent: b}]\n";
        let details = chart_details(&archive(&[
            ("web/Chart.yaml", chart),
            ("web/values.yaml", "replicas: 2\n"),
            ("web/README.md", "# Web <chart>\n"),
            ("web/templates/deployment.yaml", "kind: Deployment\n"),
            (
                "web/charts/redis/Chart.yaml",
                "apiVersion: v2\nname: redis\nversion: 17.0.0\n",
            ),
            ("web/charts/redis/README.md", "the subchart's"),
        ]))
        .expect("loads");
        assert_eq!(details.readme, b"# Web <chart>\n");
        assert_eq!(details.values, b"replicas: 2\n");
        assert_eq!(
            details.dependencies,
            r#"[{"name":"redis","version":"17.x","repository":"https://charts.example.com","condition":"redis.enabled","import-values":[{"child":"a","parent":"b"}]}]"#
        );
    }

    #[test]
    fn dependencies_are_null_for_a_v2_chart_and_empty_for_v1_without_requirements() {
        let v2 = chart_details(&archive(&[("web/Chart.yaml", CHART_V2)])).expect("loads");
        assert_eq!(v2.dependencies, "null");
        assert!(v2.readme.is_empty() && v2.values.is_empty());
        let v1 = chart_details(&archive(&[(
            "web/Chart.yaml",
            "name: web\nversion: 1.0.0\n",
        )]))
        .expect("a chart without apiVersion is v1");
        assert_eq!(v1.dependencies, "[]");
        let other = chart_details(&archive(&[(
            "web/Chart.yaml",
            "apiVersion: v3\nname: web\nversion: 1.0.0\ndependencies: [{name: a, repository: r}]\n",
        )]))
        .expect("loads");
        assert_eq!(other.dependencies, "[]");
    }

    #[test]
    fn a_v1_chart_takes_its_dependencies_from_requirements_yaml() {
        let requirements = "dependencies:\n- name: db\n  version: 1.0.0\n  repository: '@stable'\n  tags: [back end]\n";
        let details = chart_details(&archive(&[
            (
                "old/Chart.yaml",
                "apiVersion: v1\nname: old\nversion: 2.0.0\n",
            ),
            ("old/requirements.yaml", requirements),
            ("old/Readme.MD", "readme in any case"),
        ]))
        .expect("loads");
        assert_eq!(
            details.dependencies,
            r#"[{"name":"db","version":"1.0.0","repository":"@stable","tags":["back end"]}]"#
        );
        assert_eq!(details.readme, b"readme in any case");
        let missing = chart_details(&archive(&[
            (
                "old/Chart.yaml",
                "apiVersion: v1\nname: old\nversion: 2.0.0\n",
            ),
            ("old/requirements.yaml", "other: []\n"),
        ]));
        assert_eq!(
            missing,
            Err("invalid requirements.yaml, no dependencies found".into())
        );
    }

    #[test]
    fn helm_refuses_what_it_cannot_load() {
        let refused = |files: &[(&str, &str)]| chart_details(&archive(files)).unwrap_err();
        assert_eq!(chart_details(b""), Err("zero content".into()));
        assert_eq!(
            chart_details(b"not gzip"),
            Err("gzip: invalid header".into())
        );
        assert_eq!(
            refused(&[("web/values.yaml", "a: 1\n")]),
            "Chart.yaml file is missing"
        );
        assert_eq!(
            refused(&[("Chart.yaml", CHART_V2)]),
            "chart illegally contains content outside the base directory: \"Chart.yaml\""
        );
        assert_eq!(
            refused(&[("web/../../etc/passwd", "x")]),
            "chart illegally references parent directory"
        );
        assert_eq!(
            refused(&[("web/Chart.yaml", "apiVersion: v2\nversion: 1.0.0\n")]),
            "validation: chart.metadata.name is required"
        );
        assert_eq!(
            refused(&[(
                "web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: one\n"
            )]),
            "validation: chart.metadata.version \"one\" is invalid"
        );
        assert_eq!(
            refused(&[(
                "web/Chart.yaml",
                "apiVersion: v2\nname: a/b\nversion: 1.0.0\n"
            )]),
            "validation: chart.metadata.name \"a/b\" is invalid"
        );
        assert_eq!(
            refused(&[(
                "web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.0.0\ntype: plugin\n"
            )]),
            "validation: chart.metadata.type must be application or library"
        );
        assert_eq!(
            refused(&[(
                "web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies: [{name: a}, {name: a}]\n"
            )]),
            "validation: more than one dependency with name or alias \"a\""
        );
        assert!(
            refused(&[(
                "web/Chart.yaml",
                "apiVersion: v2\nname: [web]\nversion: 1.0.0\n"
            )])
            .starts_with("cannot load Chart.yaml: error unmarshaling JSON"),
        );
        assert!(
            refused(&[
                ("web/Chart.yaml", CHART_V2),
                ("web/values.yaml", "- a list\n")
            ])
            .starts_with("cannot load values.yaml"),
        );
        assert_eq!(
            refused(&[("web/Chart.yaml", CHART_V2), ("web/charts/notes.txt", "x")]),
            "error unpacking subchart notes.txt in web: Chart.yaml file is missing"
        );
        assert_eq!(
            refused(&[
                ("web/Chart.yaml", CHART_V2),
                ("web/charts/db/Chart.yaml", "apiVersion: v2\nname: db\n"),
            ]),
            "error unpacking subchart db in web: validation: chart.metadata.version is required"
        );
    }

    #[test]
    fn numbers_for_string_fields_become_their_go_text() {
        let details = chart_details(&archive(&[(
            "web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 1.10\ndependencies: [{name: 7, repository: r, version: 2.5}]\n",
        )]))
        .expect("`version: 1.10` is the float 1.1, written `1.1`, a valid version");
        assert_eq!(
            details.dependencies,
            r#"[{"name":"7","version":"2.5","repository":"r"}]"#
        );
        let text = |f: f64| number_text(&serde_json::Number::from_f64(f).expect("finite"));
        assert_eq!(text(1.0), "1");
        assert_eq!(text(0.1), "0.1");
        assert_eq!(text(1234567.0), "1.234567e+06");
        assert_eq!(text(0.00001), "1e-05");
    }

    #[test]
    fn versions_are_checked_as_masterminds_semver_checks_them() {
        for good in ["1", "1.2", "v1.2.3", "1.2.3-rc.1+build.5", "0.0.0-0"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in [
            "",
            "one",
            "1.2.3.4",
            "1.2.3-01",
            "1..2",
            "1.2.3+",
            "1.2.3-a_b",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn paths_are_cleaned_as_go_cleans_them() {
        assert_eq!(clean_path("a/./b//c/../d"), "a/b/d");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(go_base("web"), "web");
    }
}
