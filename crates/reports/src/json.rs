//! Helpers shared by the JSON parsers: streaming reads and errors with line and column.

use std::path::Path;

use crate::error::ParseError;

/// What a truncated document is told.
pub(crate) const EOF: &str = "unexpected end of file (truncated JSON?)";

/// Converts a serde_json error into a [`ParseError`] at its line and column.
pub(crate) fn error(path: &Path, e: &serde_json::Error) -> ParseError {
    let what = message(e);
    if e.line() == 0 {
        ParseError::whole(path, what)
    } else {
        ParseError::at_line(path, e.line() as u64, e.column() as u64, what)
    }
}

/// What a serde_json error says, without the position serde_json appends.
pub(crate) fn message(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => EOF.to_owned(),
        serde_json::error::Category::Syntax => format!("malformed JSON: {e}"),
        serde_json::error::Category::Data => format!("unexpected JSON shape: {e}"),
        serde_json::error::Category::Io => format!("cannot read: {e}"),
    };
    // serde_json appends " at line L column C" to its messages; the position goes first.
    match what.rfind(" at line ") {
        Some(i) => what[..i].to_owned(),
        None => what,
    }
}

/// Reads one JSON document of type `T` from `input`, streaming (only the fields `T`
/// names are kept).
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    input: impl std::io::BufRead,
    path: &Path,
) -> Result<T, ParseError> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let value = T::deserialize(&mut de).map_err(|e| error(path, &e))?;
    de.end().map_err(|e| error(path, &e))?;
    Ok(value)
}
