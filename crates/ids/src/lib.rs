//! Ids of a registry: find an entry by id, parse a selection (`all`, or ids separated by commas), and
//! say, when an id names nothing, what the valid ones are.
//!
//! The runtimes (`rosetta-runtimes`) and the scenarios (`rosetta-scenarios`) are each one list of
//! entries with an id; both are a [`Registry`] over that list, so that every command line, test and
//! report looks ids up, selects and reports an unknown id the same way. This crate depends on no other.
//!
//! # Examples
//!
//! ```
//! use rosetta_ids::Registry;
//!
//! #[derive(Debug)]
//! struct Colour {
//!     id: &'static str,
//! }
//!
//! static COLOURS: Registry<Colour> =
//!     Registry::new("colour", "colours", &[Colour { id: "red" }, Colour { id: "blue" }], |c| c.id);
//!
//! assert_eq!(COLOURS.find("blue").unwrap().id, "blue");
//! let picked = COLOURS.select("blue, red, blue").unwrap();
//! assert_eq!(picked.iter().map(|c| c.id).collect::<Vec<_>>(), ["blue", "red"]);
//! assert_eq!(
//!     COLOURS.find("green").unwrap_err().to_string(),
//!     "unknown colour `green`; valid colours are: red, blue"
//! );
//! assert_eq!(
//!     COLOURS.select("red,green").unwrap_err().to_string(),
//!     "unknown colour `green`; valid colours are: red, blue, or `all`"
//! );
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::fmt;

/// A list of entries, each with an id: the one list of runtimes, or of scenarios.
pub struct Registry<T: 'static> {
    noun: &'static str,
    plural: &'static str,
    entries: &'static [T],
    id: fn(&T) -> &'static str,
}

impl<T: 'static> Registry<T> {
    /// A registry of `entries`, whose ids `id` reads; `noun` and `plural` name an entry in messages
    /// (`"runtime"`, `"runtimes"`).
    pub const fn new(
        noun: &'static str,
        plural: &'static str,
        entries: &'static [T],
        id: fn(&T) -> &'static str,
    ) -> Self {
        Registry {
            noun,
            plural,
            entries,
            id,
        }
    }

    /// Every entry, in registry order.
    pub fn entries(&self) -> &'static [T] {
        self.entries
    }

    /// The id of every entry, in registry order.
    pub fn ids(&self) -> Vec<&'static str> {
        self.entries.iter().map(self.id).collect()
    }

    /// The entry whose id is `id`.
    ///
    /// # Errors
    ///
    /// [`Unknown`] if no entry has that id; its message lists the valid ones.
    pub fn find(&'static self, id: &str) -> Result<&'static T, Unknown<T>> {
        self.entries
            .iter()
            .find(|entry| (self.id)(entry) == id)
            .ok_or_else(|| self.unknown(id))
    }

    /// Parses a selection: `all`, or ids separated by commas (spaces around them allowed), in the order
    /// given, without repeats.
    ///
    /// # Errors
    ///
    /// [`Unknown`] for the first id that names no entry; its message lists the valid ones and `all`.
    pub fn select(&'static self, selection: &str) -> Result<Vec<&'static T>, Unknown<T>> {
        if selection.trim() == "all" {
            return Ok(self.entries.iter().collect());
        }
        let mut picked: Vec<&'static T> = Vec::new();
        for id in selection.split(',').map(str::trim) {
            let entry = self.find(id).map_err(|unknown| Unknown {
                or_all: true,
                ..unknown
            })?;
            if !picked.iter().any(|seen| std::ptr::eq(*seen, entry)) {
                picked.push(entry);
            }
        }
        Ok(picked)
    }

    /// The error for `id`, which names no entry.
    pub fn unknown(&'static self, id: &str) -> Unknown<T> {
        Unknown {
            id: id.to_owned(),
            registry: self,
            or_all: false,
        }
    }
}

impl<T: 'static> fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("noun", &self.noun)
            .field("ids", &self.ids())
            .finish()
    }
}

/// An id that names no entry of a registry. Its message names the id and lists the valid ones.
pub struct Unknown<T: 'static> {
    id: String,
    registry: &'static Registry<T>,
    /// Whether `all` was valid too (the id was part of a selection).
    or_all: bool,
}

impl<T: 'static> Unknown<T> {
    /// The id as given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The valid ids, in registry order.
    pub fn valid(&self) -> Vec<&'static str> {
        self.registry.ids()
    }
}

impl<T: 'static> fmt::Display for Unknown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Registry { noun, plural, .. } = self.registry;
        write!(
            f,
            "unknown {noun} `{}`; valid {plural} are: {}",
            self.id,
            self.valid().join(", ")
        )?;
        if self.or_all {
            f.write_str(", or `all`")?;
        }
        Ok(())
    }
}

impl<T: 'static> fmt::Debug for Unknown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unknown")
            .field("noun", &self.registry.noun)
            .field("id", &self.id)
            .finish()
    }
}

impl<T: 'static> Clone for Unknown<T> {
    fn clone(&self) -> Self {
        Unknown {
            id: self.id.clone(),
            registry: self.registry,
            or_all: self.or_all,
        }
    }
}

impl<T: 'static> PartialEq for Unknown<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && std::ptr::eq(self.registry, other.registry)
    }
}

impl<T: 'static> Eq for Unknown<T> {}

impl<T: 'static> std::error::Error for Unknown<T> {}

#[cfg(test)]
mod tests {
    use super::Registry;

    static LETTERS: Registry<&str> = Registry::new("letter", "letters", &["a", "b", "c"], |s| s);

    #[test]
    fn a_selection_keeps_the_order_given_and_drops_repeats() {
        let picked = LETTERS.select(" c,a , c").unwrap();
        assert_eq!(picked, [&"c", &"a"]);
        assert_eq!(LETTERS.select("all").unwrap().len(), 3);
    }

    #[test]
    fn an_unknown_id_names_itself_and_the_valid_ones() {
        let error = LETTERS.find("z").unwrap_err();
        assert_eq!(error.id(), "z");
        assert_eq!(error.valid(), ["a", "b", "c"]);
        assert_eq!(
            error.to_string(),
            "unknown letter `z`; valid letters are: a, b, c"
        );
        let error = LETTERS.select("a,").unwrap_err();
        assert_eq!(error.id(), "");
        assert!(error.to_string().ends_with("a, b, c, or `all`"));
    }
}
