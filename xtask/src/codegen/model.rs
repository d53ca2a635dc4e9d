//! Reads the schemas of one OCPP version into a model of actions, structs and enums.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value};

use super::Error;
use super::tables;

/// One OCPP version's messages and types.
#[derive(Debug)]
pub(crate) struct VersionModel {
    /// `1.6`, `2.0.1`, `2.1`.
    pub(crate) version: String,
    pub(crate) actions: Vec<ActionModel>,
    /// Every named type, by Rust name.
    pub(crate) types: BTreeMap<String, TypeDef>,
}

#[derive(Debug)]
pub(crate) struct ActionModel {
    pub(crate) name: String,
    pub(crate) sender: &'static str,
    pub(crate) request: String,
    /// `None` for a SEND message (2.1), which has no response.
    pub(crate) response: Option<String>,
    pub(crate) request_file: String,
    pub(crate) response_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeDef {
    Struct(StructDef),
    Enum(EnumDef),
}

impl TypeDef {
    pub(crate) fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
        }
    }

    /// The actions whose messages use this type.
    pub(crate) fn users(&self) -> &BTreeSet<String> {
        match self {
            TypeDef::Struct(s) => &s.users,
            TypeDef::Enum(e) => &e.users,
        }
    }

    fn users_mut(&mut self) -> &mut BTreeSet<String> {
        match self {
            TypeDef::Struct(s) => &mut s.users,
            TypeDef::Enum(e) => &mut e.users,
        }
    }

    fn doc(&self) -> &Option<String> {
        match self {
            TypeDef::Struct(s) => &s.doc,
            TypeDef::Enum(e) => &e.doc,
        }
    }

    /// Equal apart from documentation and users.
    fn same_shape(&self, other: &TypeDef) -> bool {
        match (self, other) {
            (TypeDef::Struct(a), TypeDef::Struct(b)) => {
                a.extra == b.extra
                    && a.integers_without_fraction == b.integers_without_fraction
                    && a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .zip(&b.fields)
                        .all(|(x, y)| x.wire == y.wire && x.required == y.required && x.ty == y.ty)
            }
            (TypeDef::Enum(a), TypeDef::Enum(b)) => {
                a.values.iter().collect::<BTreeSet<_>>() == b.values.iter().collect()
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StructDef {
    pub(crate) name: String,
    pub(crate) schema_name: String,
    pub(crate) doc: Option<String>,
    pub(crate) fields: Vec<Field>,
    /// Whether the schema allows members beyond its properties (kept in `extra`).
    pub(crate) extra: bool,
    /// Whether this is the root of a JSON Schema draft-04 file, whose integers may not be
    /// written with a fraction part (`7.0`).
    pub(crate) integers_without_fraction: bool,
    pub(crate) users: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) wire: String,
    pub(crate) rust: String,
    pub(crate) doc: Option<String>,
    pub(crate) required: bool,
    pub(crate) ty: Ty,
    pub(crate) default: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EnumDef {
    pub(crate) name: String,
    pub(crate) schema_name: String,
    pub(crate) doc: Option<String>,
    pub(crate) values: Vec<String>,
    pub(crate) users: BTreeSet<String>,
}

/// A field's type with the constraints the schema puts on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ty {
    pub(crate) kind: Kind,
    pub(crate) max_length: Option<u64>,
    pub(crate) minimum: Option<String>,
    pub(crate) maximum: Option<String>,
    pub(crate) multiple_of: Option<String>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) uri: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    String,
    Bool,
    Integer(&'static str),
    Number,
    DateTime,
    /// Any JSON value (2.x `DataTransfer.data`).
    Any,
    Array(Box<Ty>),
    Named(String),
}

/// Reads every schema of `version` from `dir`.
pub(crate) fn load(version: &str, dir: &Path) -> Result<VersionModel, Error> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| Error::schema(&path, "file name is not UTF-8"))?
            .to_owned();
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let text = text.trim_start_matches('\u{feff}');
        let schema: Value = serde_json::from_str(text)
            .map_err(|e| Error::schema(&path, format!("not JSON: {e}")))?;
        files.insert(stem, schema);
    }

    let empty = BTreeSet::new();
    let mut struct_names: BTreeSet<String> = files
        .values()
        .filter_map(|schema| schema.get("definitions").and_then(Value::as_object))
        .flatten()
        .filter_map(|(definition, schema)| {
            let schema = schema.as_object()?;
            (!schema.contains_key("enum")).then(|| type_name(definition, schema, &empty))
        })
        .collect();
    // The named inline types of 1.6 take their names first.
    if version == "1.6" {
        struct_names.extend(
            tables::INLINE_NAMES_16
                .iter()
                .map(|(_, name)| (*name).to_owned()),
        );
    }
    let mut builder = Builder {
        version: version.to_owned(),
        types: BTreeMap::new(),
        struct_names,
    };
    let mut actions = Vec::new();
    for stem in files.keys() {
        if stem.ends_with("Response") {
            continue;
        }
        let action = if version == "1.6" {
            stem.clone()
        } else {
            stem.strip_suffix("Request").unwrap_or(stem).to_owned()
        };
        let response_file = format!("{action}Response");
        let is_send = !stem.ends_with("Request") && version != "1.6";
        let request = if is_send {
            action.clone()
        } else {
            format!("{action}Request")
        };
        builder.root(&action, stem, &files[stem], &request)?;
        let response = if is_send {
            if files.contains_key(&response_file) {
                return Err(Error::Generator(format!(
                    "{version}: {stem} looks like a SEND message but has a response schema"
                )));
            }
            None
        } else {
            let schema = files.get(&response_file).ok_or_else(|| {
                Error::Generator(format!("{version}: {action} has no response schema"))
            })?;
            let name = format!("{action}Response");
            builder.root(&action, &response_file, schema, &name)?;
            Some(name)
        };
        actions.push(ActionModel {
            sender: tables::sender(version, &action),
            name: action,
            request,
            response,
            request_file: format!("{stem}.json"),
            response_file: files
                .contains_key(&response_file)
                .then(|| format!("{response_file}.json")),
        });
    }
    let paired: usize = actions
        .iter()
        .map(|a| 1 + usize::from(a.response.is_some()))
        .sum();
    if paired != files.len() {
        return Err(Error::Generator(format!(
            "{version}: {} schema files but {paired} belong to an action",
            files.len()
        )));
    }
    let expected = tables::EXPECTED_ACTIONS
        .iter()
        .find(|(v, _)| *v == version)
        .map(|(_, n)| *n);
    if expected != Some(actions.len()) {
        return Err(Error::Generator(format!(
            "{version}: found {} actions, expected {expected:?}",
            actions.len()
        )));
    }
    Ok(VersionModel {
        version: version.to_owned(),
        actions,
        types: builder.types,
    })
}

struct Builder {
    version: String,
    types: BTreeMap<String, TypeDef>,
    /// The Rust names of every struct definition of the version, and of 1.6's inline types.
    struct_names: BTreeSet<String>,
}

impl Builder {
    fn root(&mut self, action: &str, file: &str, schema: &Value, name: &str) -> Result<(), Error> {
        let ctx = Ctx {
            action,
            file,
            root: schema,
        };
        let object = as_object(schema, &ctx, "")?;
        let mut def = self.struct_def(&ctx, object, name, name, "")?;
        def.integers_without_fraction = object
            .get("$schema")
            .and_then(Value::as_str)
            .is_some_and(|draft| draft.contains("draft-04"));
        self.add(&ctx, TypeDef::Struct(def))
    }

    fn add(&mut self, ctx: &Ctx<'_>, mut def: TypeDef) -> Result<(), Error> {
        def.users_mut().insert(ctx.action.to_owned());
        match self.types.get_mut(def.name()) {
            None => {
                self.types.insert(def.name().to_owned(), def);
            }
            Some(existing) if existing.same_shape(&def) => {
                existing.users_mut().extend(def.users().iter().cloned());
                // Keep the longest description of the shared type.
                let longer = def.doc().as_ref().map_or(0, String::len)
                    > existing.doc().as_ref().map_or(0, String::len);
                if longer {
                    let users = existing.users().clone();
                    *existing = def;
                    *existing.users_mut() = users;
                }
            }
            Some(_) => {
                return Err(Error::Generator(format!(
                    "{}: two different types named {} (second in {})",
                    self.version,
                    def.name(),
                    ctx.file
                )));
            }
        }
        Ok(())
    }

    fn struct_def(
        &mut self,
        ctx: &Ctx<'_>,
        object: &Map<String, Value>,
        name: &str,
        schema_name: &str,
        path: &str,
    ) -> Result<StructDef, Error> {
        if object.get("type").and_then(Value::as_str) != Some("object") {
            return Err(ctx.error(path, "expected an object schema"));
        }
        let required: BTreeSet<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let extra = object.get("additionalProperties") != Some(&Value::Bool(false));
        let mut fields = Vec::new();
        let mut rust_names = BTreeSet::new();
        let empty = Map::new();
        let properties = match object.get("properties") {
            Some(p) => p
                .as_object()
                .ok_or_else(|| ctx.error(path, "properties is not an object"))?,
            None => &empty,
        };
        for (wire, property) in properties {
            let field_path = join(path, wire);
            let property = as_object(property, ctx, &field_path)?;
            let ty = self.ty(ctx, property, &field_path)?;
            let rust = rust_field_name(wire);
            if !rust_names.insert(rust.clone()) {
                return Err(ctx.error(&field_path, "two fields with the same Rust name"));
            }
            fields.push(Field {
                doc: description(property),
                required: required.contains(wire.as_str()),
                default: property.get("default").cloned(),
                wire: wire.clone(),
                rust,
                ty,
            });
        }
        if let Some(missing) = required.iter().find(|r| !properties.contains_key(**r)) {
            return Err(ctx.error(path, &format!("required field {missing} is not a property")));
        }
        Ok(StructDef {
            name: name.to_owned(),
            schema_name: schema_name.to_owned(),
            doc: description(object),
            fields,
            extra,
            integers_without_fraction: false,
            users: BTreeSet::new(),
        })
    }

    fn ty(&mut self, ctx: &Ctx<'_>, schema: &Map<String, Value>, path: &str) -> Result<Ty, Error> {
        let mut ty = Ty {
            kind: Kind::Any,
            max_length: schema.get("maxLength").and_then(Value::as_u64),
            minimum: schema.get("minimum").map(number_text),
            maximum: schema.get("maximum").map(number_text),
            multiple_of: schema.get("multipleOf").map(number_text),
            min_items: schema.get("minItems").and_then(Value::as_u64),
            max_items: schema.get("maxItems").and_then(Value::as_u64),
            uri: schema.get("format").and_then(Value::as_str) == Some("uri"),
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let definition = reference
                .strip_prefix("#/definitions/")
                .ok_or_else(|| ctx.error(path, "unsupported $ref"))?;
            let target = ctx
                .root
                .get("definitions")
                .and_then(|d| d.get(definition))
                .ok_or_else(|| ctx.error(path, "dangling $ref"))?;
            let target = as_object(target, ctx, path)?;
            let name = type_name(definition, target, &self.struct_names);
            ty.kind = Kind::Named(name.clone());
            let def = self.named(ctx, target, &name, definition, path)?;
            self.add(ctx, def)?;
            return Ok(ty);
        }
        ty.kind = match schema.get("type").and_then(Value::as_str) {
            None => Kind::Any,
            Some("string") if schema.contains_key("enum") => {
                let name = inline_name(ctx, path)?;
                let def = self.named(ctx, schema, &name, &name, path)?;
                self.add(ctx, def)?;
                Kind::Named(name)
            }
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => Kind::DateTime,
                None | Some("uri") => Kind::String,
                Some(other) => return Err(ctx.error(path, &format!("unknown format {other}"))),
            },
            Some("boolean") => Kind::Bool,
            Some("number") => Kind::Number,
            Some("integer") => Kind::Integer(integer_type(&ty)),
            Some("array") => {
                let items = schema
                    .get("items")
                    .ok_or_else(|| ctx.error(path, "array without items"))?;
                let items = as_object(items, ctx, &format!("{path}[]"))?;
                Kind::Array(Box::new(self.ty(ctx, items, &format!("{path}[]"))?))
            }
            Some("object") => {
                let name = inline_name(ctx, path)?;
                let def = self.named(ctx, schema, &name, &name, path)?;
                self.add(ctx, def)?;
                Kind::Named(name)
            }
            Some(other) => return Err(ctx.error(path, &format!("unknown type {other}"))),
        };
        Ok(ty)
    }

    /// The struct or enum a definition or inline schema stands for.
    fn named(
        &mut self,
        ctx: &Ctx<'_>,
        schema: &Map<String, Value>,
        name: &str,
        schema_name: &str,
        path: &str,
    ) -> Result<TypeDef, Error> {
        if let Some(values) = schema.get("enum") {
            let mut values: Vec<String> = values
                .as_array()
                .ok_or_else(|| ctx.error(path, "enum is not an array"))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| ctx.error(path, "enum value is not a string"))
                })
                .collect::<Result<_, _>>()?;
            for (version, file, at, additions) in tables::ENUM_ADDITIONS {
                if *version == self.version && *file == ctx.file && *at == path {
                    for value in *additions {
                        if !values.iter().any(|v| v == value) {
                            values.push((*value).to_owned());
                        }
                    }
                }
            }
            return Ok(TypeDef::Enum(EnumDef {
                name: name.to_owned(),
                schema_name: schema_name.to_owned(),
                doc: description(schema),
                values,
                users: BTreeSet::new(),
            }));
        }
        Ok(TypeDef::Struct(self.struct_def(
            ctx,
            schema,
            name,
            schema_name,
            path,
        )?))
    }
}

struct Ctx<'a> {
    action: &'a str,
    file: &'a str,
    root: &'a Value,
}

impl Ctx<'_> {
    fn error(&self, path: &str, message: &str) -> Error {
        Error::Generator(format!("{}.json at {path:?}: {message}", self.file))
    }
}

fn as_object<'a>(
    value: &'a Value,
    ctx: &Ctx<'_>,
    path: &str,
) -> Result<&'a Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| ctx.error(path, "schema is not an object"))
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// The name of an inline type, from the table of 1.6 names; unnamed inline types are an error.
fn inline_name(ctx: &Ctx<'_>, path: &str) -> Result<String, Error> {
    let key = format!("{}:{path}", ctx.file);
    tables::INLINE_NAMES_16
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, name)| (*name).to_owned())
        .ok_or_else(|| ctx.error(path, "inline type without a name in INLINE_NAMES_16"))
}

/// The Rust name of a schema definition: `EVSEType` becomes `Evse`, `BootReasonEnumType`
/// becomes `BootReason`; an enumeration whose name another type of the version already has
/// keeps an `Enum` suffix (`IdTokenEnum` beside the struct `IdToken`).
fn type_name(
    definition: &str,
    schema: &Map<String, Value>,
    struct_names: &BTreeSet<String>,
) -> String {
    let is_enum = schema.contains_key("enum");
    let stem = if is_enum {
        definition
            .strip_suffix("EnumType")
            .or_else(|| definition.strip_suffix("Type"))
            .unwrap_or(definition)
    } else {
        definition.strip_suffix("Type").unwrap_or(definition)
    };
    let stem = if stem.is_empty() { definition } else { stem };
    let name = stem.to_upper_camel_case();
    if is_enum && struct_names.contains(&name) {
        format!("{name}Enum")
    } else {
        name
    }
}

fn rust_field_name(wire: &str) -> String {
    let name = wire.to_snake_case();
    match name.as_str() {
        "type" => "kind".to_owned(),
        "ref" | "mod" | "self" | "match" | "fn" | "impl" | "use" | "static" | "const" | "enum"
        | "struct" | "loop" | "move" | "async" => format!("{name}_"),
        _ => name,
    }
}

/// The smallest Rust integer that holds every value the bounds allow. Unbounded integers are
/// `i32`, the OCPP integer; non-negative ones `u32`.
fn integer_type(ty: &Ty) -> &'static str {
    let min = ty.minimum.as_deref().and_then(|m| m.parse::<i64>().ok());
    let max = ty.maximum.as_deref().and_then(|m| m.parse::<i64>().ok());
    match (min, max) {
        (Some(min), Some(max)) if min >= 0 && max <= i64::from(u8::MAX) => "u8",
        (Some(min), Some(max)) if min >= 0 && max <= i64::from(u16::MAX) => "u16",
        (Some(min), _) if min >= 0 => "u32",
        (Some(min), Some(max)) if min < i64::from(i32::MIN) || max > i64::from(i32::MAX) => "i64",
        _ => "i32",
    }
}

/// A JSON number as exact decimal text (`0.0` becomes `0`, `0.1` stays `0.1`).
fn number_text(value: &Value) -> String {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            (None, Some(f)) => f.to_string(),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The schema description, cleaned for rustdoc: CRLF, data-dictionary tags (a name line
/// followed by a `urn:x-oca:ocpp:uid:` line) and surrounding blank lines removed. Cross
/// references (`<<anchor,Label>>`) stay; the emitter renders them once it knows every type of
/// the version.
fn description(schema: &Map<String, Value>) -> Option<String> {
    let text = schema.get("description")?.as_str()?;
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next_is_uid = lines
            .get(i + 1)
            .is_some_and(|next| next.starts_with("urn:x-oca:ocpp:uid:"));
        if line.starts_with("urn:x-oca:ocpp:uid:") || next_is_uid {
            continue;
        }
        kept.push(line);
    }
    let text = kept.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}
