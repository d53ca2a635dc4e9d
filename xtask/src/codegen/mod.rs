//! Generates the message types of `ocpp-types` from the official schemas.
//!
//! For each version the generator reads `schemas/ocpp/<version>/`, builds a model of its
//! actions, structs and enums (`model.rs`), and writes one module per version: one file per
//! action (its request, its response and the types only it uses), `datatypes.rs` and
//! `enumerations.rs` for shared types, and `mod.rs` with the action table. It fails loudly on
//! anything it does not understand: an unknown keyword value, an unnamed inline type, two
//! different types with one name, or an unexpected number of actions.

mod emit;
mod model;
mod tables;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// The versions: schema directory and module name.
const VERSIONS: [(&str, &str); 3] = [("1.6", "v16"), ("2.0.1", "v201"), ("2.1", "v21")];

/// What went wrong while generating.
#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// A schema is not what the generator understands.
    Schema(PathBuf, String),
    /// The schemas as a whole are not what the generator expects.
    Generator(String),
    /// The checked-in code differs from what the generator writes.
    Stale(Vec<PathBuf>),
}

impl Error {
    fn io(path: &Path, error: std::io::Error) -> Error {
        Error::Io(path.to_owned(), error)
    }

    fn schema(path: &Path, message: impl Into<String>) -> Error {
        Error::Schema(path.to_owned(), message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(path, error) => write!(f, "{}: {error}", path.display()),
            Error::Schema(path, message) => write!(f, "{}: {message}", path.display()),
            Error::Generator(message) => f.write_str(message),
            Error::Stale(paths) => {
                write!(
                    f,
                    "generated code is stale; run `cargo xtask codegen`. Stale files:"
                )?;
                for path in paths {
                    write!(f, "\n  {}", path.display())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Every generated file, by path relative to the workspace root.
pub fn generate(root: &Path) -> Result<BTreeMap<PathBuf, String>, Error> {
    let mut files = BTreeMap::new();
    for (version, module) in VERSIONS {
        let model = model::load(version, &root.join("schemas/ocpp").join(version))?;
        let dir = Path::new("ocpp-types/src").join(module);
        for (name, text) in emit::version_files(&model, module)? {
            files.insert(dir.join(name), text);
        }
    }
    Ok(files)
}

/// The generated directories, relative to the workspace root.
fn generated_dirs() -> impl Iterator<Item = PathBuf> {
    VERSIONS
        .iter()
        .map(|(_, module)| Path::new("ocpp-types/src").join(module))
}

/// Files present in the generated directories, relative to the workspace root.
fn existing_files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for dir in generated_dirs() {
        let full = root.join(&dir);
        if !full.exists() {
            continue;
        }
        for entry in fs::read_dir(&full).map_err(|e| Error::io(&full, e))? {
            let entry = entry.map_err(|e| Error::io(&full, e))?;
            found.push(dir.join(entry.file_name()));
        }
    }
    found.sort();
    Ok(found)
}

/// Regenerates the code and writes it, removing files the generator no longer writes.
/// Returns the number of files written.
pub fn write(root: &Path) -> Result<usize, Error> {
    let files = generate(root)?;
    for stale in existing_files(root)? {
        if !files.contains_key(&stale) {
            let path = root.join(&stale);
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    for (path, text) in &files {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(files.len())
}

/// Regenerates the code in memory and fails, naming the stale files, on any difference.
pub fn check(root: &Path) -> Result<(), Error> {
    let files = generate(root)?;
    let mut stale = Vec::new();
    for (path, text) in &files {
        if fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.clone());
        }
    }
    for existing in existing_files(root)? {
        if !files.contains_key(&existing) {
            stale.push(existing);
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(Error::Stale(stale))
    }
}
