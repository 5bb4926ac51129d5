//! The shapes a value can take in `tasks.toml`, as serde visitors with precise `expecting`
//! texts, and turning a failed deserialization into a [`Diagnostic`]-ready message.
//!
//! There is no `#[derive(Deserialize)]` over a whole table on purpose: serde stops at the first
//! error, and rask reports every problem at once. Each key's value is deserialized on its own
//! (see `keys.rs`), so a wrong type costs only that key.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

/// One command of `run`, as written.
#[derive(Debug)]
pub(crate) enum RawCommand {
    /// `"cargo build"`.
    Shell(String),
    /// `["cargo", "build"]`, each word with its span.
    Argv(Vec<Spanned<String>>),
}

/// Why a value could not be read: a message and the label under the carets, at `range`.
pub(crate) struct ValueProblem {
    pub(crate) message: String,
    pub(crate) label: &'static str,
    pub(crate) range: Range<usize>,
}

/// Deserializes one spanned value; on failure, pushes the problem and returns `None`.
pub(crate) fn deserialize<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
) -> Result<Spanned<T>, ValueProblem> {
    let span = value.span();
    Spanned::<T>::deserialize(ValueDeserializer::from(value)).map_err(|error| {
        let message = toml_words(error.message().trim_end());
        let label = if message.starts_with("invalid type") {
            "wrong type"
        } else {
            "invalid value"
        };
        ValueProblem {
            message,
            label,
            range: error.span().unwrap_or(span),
        }
    })
}

/// serde speaks of maps and sequences; a TOML user knows tables and arrays.
fn toml_words(message: &str) -> String {
    message
        .replace("invalid type: map,", "invalid type: table,")
        .replace("invalid type: sequence,", "invalid type: array,")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
}

/// The same wording as serde's invalid-type errors, for values checked by hand.
pub(crate) fn wrong_type(found: &DeValue<'_>, range: Range<usize>, expected: &str) -> ValueProblem {
    let found = match found {
        DeValue::Table(_) => "table",
        DeValue::Array(_) => "array",
        other => other.type_str(),
    };
    ValueProblem {
        message: format!("invalid type: {found}, expected {expected}"),
        label: "wrong type",
        range,
    }
}

/// A duration as written (`"30s"`), parsed later; the point is the message for anything else.
pub(crate) struct DurationText(pub(crate) String);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

struct DurationVisitor;

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = DurationText;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a duration string like \"10m\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationText, E> {
        Ok(DurationText(text.to_owned()))
    }
}

/// `run` when it is not an array: one command string. (An array is read item by item, as its
/// items may be command tables; see `keys.rs`.) The point is the message for anything else.
pub(crate) struct RunSpec(pub(crate) String);

impl<'de> Deserialize<'de> for RunSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RunVisitor)
    }
}

struct RunVisitor;

impl<'de> Visitor<'de> for RunVisitor {
    type Value = RunSpec;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(
            "a command string, an array of commands, or an argv array like [[\"cargo\", \"build\"]]",
        )
    }

    fn visit_str<E: de::Error>(self, command: &str) -> Result<RunSpec, E> {
        Ok(RunSpec(command.to_owned()))
    }
}

impl<'de> Deserialize<'de> for RawCommand {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CommandVisitor)
    }
}

struct CommandVisitor;

impl<'de> Visitor<'de> for CommandVisitor {
    type Value = RawCommand;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(
            "a command string, an argv array like [\"cargo\", \"build\"], or a table like { cmd = \"…\", if = \"…\" }",
        )
    }

    fn visit_str<E: de::Error>(self, command: &str) -> Result<RawCommand, E> {
        Ok(RawCommand::Shell(command.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawCommand, A::Error> {
        spanned_strings(seq).map(RawCommand::Argv)
    }
}

fn spanned_strings<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Spanned<String>>, A::Error> {
    let mut items = Vec::new();
    while let Some(item) = seq.next_element::<Spanned<String>>()? {
        items.push(item);
    }
    Ok(items)
}

/// A key that takes one string or an array of them, like `depends` or `alias`.
pub(crate) enum StringList {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringListVisitor)
    }
}

struct StringListVisitor;

impl<'de> Visitor<'de> for StringListVisitor {
    type Value = StringList;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, item: &str) -> Result<StringList, E> {
        Ok(StringList::One(item.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StringList, A::Error> {
        spanned_strings(seq).map(StringList::Many)
    }
}

/// `shell`: an array of strings and nothing else (a single string would need splitting).
pub(crate) struct StringArray(pub(crate) Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for StringArray {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringArrayVisitor)
    }
}

struct StringArrayVisitor;

impl<'de> Visitor<'de> for StringArrayVisitor {
    type Value = StringArray;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array of strings like [\"bash\", \"-c\"]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StringArray, A::Error> {
        spanned_strings(seq).map(StringArray)
    }
}

/// An integer of any sign; the range is checked with the rest of the validation, so that
/// `jobs = 0` and `jobs = -1` get the same message.
pub(crate) struct Integer(pub(crate) i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntegerVisitor)
    }
}

struct IntegerVisitor;

impl<'de> Visitor<'de> for IntegerVisitor {
    type Value = Integer;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a positive integer")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Integer, E> {
        Ok(Integer(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Integer, E> {
        // TOML integers are 64-bit signed, so toml hands over such values as `i64`; saturating
        // keeps this total should a larger one ever arrive.
        Ok(Integer(i64::try_from(value).unwrap_or(i64::MAX)))
    }
}

/// An environment value: a string, or an integer or boolean turned into one (as mise does).
pub(crate) struct EnvValue(pub(crate) String);

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EnvValueVisitor)
    }
}

struct EnvValueVisitor;

impl<'de> Visitor<'de> for EnvValueVisitor {
    type Value = EnvValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string, an integer or a boolean")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<EnvValue, E> {
        Ok(EnvValue(value.to_owned()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<EnvValue, E> {
        Ok(EnvValue(value.to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<EnvValue, E> {
        Ok(EnvValue(value.to_string()))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<EnvValue, E> {
        Ok(EnvValue(value.to_string()))
    }
}
