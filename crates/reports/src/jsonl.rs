//! JSON Lines (one JSON document after another, as yarn audit and TruffleHog write
//! them), read one document at a time.

use std::io::BufRead;
use std::path::Path;

use crate::error::ParseError;

/// Calls `each` with every document of `input`, in order; errors name the line.
pub(crate) fn each<T: serde::de::DeserializeOwned>(
    input: impl BufRead,
    path: &Path,
    mut each: impl FnMut(T) -> Result<(), ParseError>,
) -> Result<usize, ParseError> {
    let mut n = 0;
    for doc in serde_json::Deserializer::from_reader(input).into_iter::<T>() {
        each(doc.map_err(|e| crate::json::error(path, &e))?)?;
        n += 1;
    }
    Ok(n)
}
