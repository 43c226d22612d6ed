//! LIKE patterns built from user input, escaped the same way for both databases (every query
//! using them says `ESCAPE '\'`).

/// `text` with LIKE's wildcards and the escape character taken literally.
pub(crate) fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A pattern that finds `text` anywhere.
pub(crate) fn containing(text: &str) -> String {
    format!("%{}%", escape(text))
}
