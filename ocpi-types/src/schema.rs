//! The JSON Schemas of the top-level objects, as checked in under
//! `schemas/ocpi/<version>/<Object>.json`.
//!
//! OCPI has no official machine-readable schema; these are derived from the
//! types of this crate (which follow the specification text). Strings carry
//! their maximum length and patterns, enums their values, numbers are JSON
//! numbers, timestamps follow the OCPI form.

use std::path::Path;

use crate::Error;
use crate::check::{Version, object_types};

/// The schema files of `version`: `(file name, content)`, content as pretty
/// JSON with a final newline.
pub fn schema_files(version: Version) -> Vec<(String, String)> {
    object_types(version)
        .iter()
        .map(|o| {
            let mut text = serde_json::to_string_pretty(&o.schema())
                .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
            text.push('\n');
            (format!("{}.json", o.name()), text)
        })
        .collect()
}

/// Writes the schema files of both versions under `root/<version>/`, removing
/// `.json` files that no longer belong there.
pub fn write_schemas(root: &Path) -> Result<(), Error> {
    for version in Version::ALL {
        let dir = root.join(version.as_str());
        std::fs::create_dir_all(&dir).map_err(|source| io(&dir, source))?;
        let files = schema_files(version);
        for stale in list_json(&dir)? {
            if !files.iter().any(|(name, _)| *name == stale) {
                let path = dir.join(&stale);
                std::fs::remove_file(&path).map_err(|source| io(&path, source))?;
            }
        }
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|source| io(&path, source))?;
        }
    }
    Ok(())
}

/// Compares the files under `root` with the schemas of the code; returns the
/// files that are missing, different or superfluous (empty: up to date).
pub fn stale_schemas(root: &Path) -> Result<Vec<String>, Error> {
    let mut stale = Vec::new();
    for version in Version::ALL {
        let dir = root.join(version.as_str());
        let files = schema_files(version);
        for (name, text) in &files {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == *text => {}
                Ok(_) => stale.push(format!("{} (differs)", path.display())),
                Err(_) => stale.push(format!("{} (missing)", path.display())),
            }
        }
        if dir.exists() {
            for name in list_json(&dir)? {
                if !files.iter().any(|(n, _)| *n == name) {
                    stale.push(format!("{} (superfluous)", dir.join(name).display()));
                }
            }
        }
    }
    Ok(stale)
}

fn list_json(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| io(dir, source))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| io(dir, source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            out.push(name);
        }
    }
    Ok(out)
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}
