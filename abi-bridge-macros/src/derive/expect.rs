//! `#[foreign_type(expect(win64 = "..", sysv64 = ".."))]`: the classes a
//! user may expect, spelled as the runtime's `ArgClass::describe` spells them.

/// A convention an expectation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExpectConv {
    /// `win64`: one class for the whole value.
    Win64,
    /// `sysv64`: `"memory"` or the class of each eightbyte.
    SysV64,
}

/// win64 classes, in the order of `win64::ArgClass::ALL`.
const WIN64_CLASSES: &[&str] = &["integer", "sse", "by-ref"];

/// sysv64 classes, in the order of `sysv64::ArgClass::ALL`.
const SYSV64_CLASSES: &[&str] = &[
    "memory",
    "integer",
    "sse",
    "integer, integer",
    "integer, sse",
    "sse, integer",
    "sse, sse",
    "x87, x87up",
    "sse, sseup",
];

impl ExpectConv {
    /// The keys `expect(..)` accepts.
    pub(crate) const KEYS: [&'static str; 2] = ["win64", "sysv64"];

    /// The convention an `expect(..)` key names.
    pub(crate) fn from_key(key: &str) -> Option<ExpectConv> {
        match key {
            "win64" => Some(ExpectConv::Win64),
            "sysv64" => Some(ExpectConv::SysV64),
            _ => None,
        }
    }

    /// The key, and the name of the runtime module that classifies for it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExpectConv::Win64 => "win64",
            ExpectConv::SysV64 => "sysv64",
        }
    }

    /// Every class of this convention; a class's position here is its index
    /// in the runtime's `ArgClass::ALL`.
    pub(crate) fn classes(self) -> &'static [&'static str] {
        match self {
            ExpectConv::Win64 => WIN64_CLASSES,
            ExpectConv::SysV64 => SYSV64_CLASSES,
        }
    }

    /// The index (in [`ExpectConv::classes`]) of the class `text` spells.
    /// Case and the spaces around commas do not matter: `"SSE,sse"` is
    /// `"sse, sse"`.
    pub(crate) fn class_index(self, text: &str) -> Option<usize> {
        let normal = text.split(',').map(|part| part.trim().to_ascii_lowercase()).collect::<Vec<_>>().join(", ");
        self.classes().iter().position(|&class| class == normal)
    }

    /// The accepted classes, quoted, for error messages.
    pub(crate) fn accepted(self) -> String {
        self.classes().iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_found_whatever_the_spacing_and_case() {
        assert_eq!(ExpectConv::SysV64.class_index("sse, sse"), Some(6));
        assert_eq!(ExpectConv::SysV64.class_index(" SSE,integer "), Some(5));
        assert_eq!(ExpectConv::SysV64.class_index("memory"), Some(0));
        assert_eq!(ExpectConv::Win64.class_index("by-ref"), Some(2));
        assert_eq!(ExpectConv::Win64.class_index("Integer"), Some(0));
    }

    #[test]
    fn other_words_are_not_classes() {
        assert_eq!(ExpectConv::SysV64.class_index("by-ref"), None);
        assert_eq!(ExpectConv::Win64.class_index("memory"), None);
        assert_eq!(ExpectConv::Win64.class_index("sse, sse"), None);
        assert_eq!(ExpectConv::SysV64.class_index("sse, sse, sse"), None);
        assert_eq!(ExpectConv::SysV64.class_index(""), None);
    }

    #[test]
    fn messages_list_every_class() {
        assert_eq!(ExpectConv::Win64.accepted(), r#""integer", "sse", "by-ref""#);
        assert_eq!(ExpectConv::SysV64.classes().len(), 9);
        assert_eq!(ExpectConv::SysV64.class_index("SSE, SSEUP"), Some(8));
        assert_eq!(ExpectConv::SysV64.class_index("X87,x87UP"), Some(7));
    }
}
