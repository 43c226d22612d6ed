use std::fmt;

/// A value that must never reach a log line or an error message: secrets, referral details,
/// meeting notes. `Debug` and `Display` print a placeholder; read it with [`Sensitive::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(***)")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Implements `Debug` for types that carry client data, naming the type and hiding every
/// field, so that a `{:?}` anywhere (a log line, a panic message) shows none of it.
#[macro_export]
macro_rules! redacted_debug {
    ($($name:ty),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), " { *** }"))
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Sensitive::new("hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "Sensitive(***)");
        assert_eq!(secret.to_string(), "***");
        assert_eq!(*secret.expose(), "hunter2-hunter2");
    }
}
