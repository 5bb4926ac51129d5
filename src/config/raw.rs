//! The TOML as written: typed values with their spans, not yet validated. The main type here is
//! [`RawFile`].
//!
//! There is no `#[derive(Deserialize)]` over the whole file on purpose: serde stops at the first
//! error, and rask reports every problem at once. Instead the text is parsed once into toml's
//! spanned tree ([`DeTable`]) and each known key is deserialized on its own, so a wrong type
//! costs only that key, and the keys left over are reported as unknown with their own span.
//! The values themselves go through serde visitors with precise `expecting` texts.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue, ValueDeserializer};

use super::{Diagnostic, Span, suggest};

/// The whole file as written.
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub(crate) settings: RawSettings,
    pub(crate) env: Vec<RawEnvVar>,
    /// In file order.
    pub(crate) tasks: Vec<RawTask>,
}

/// `[settings]`; a key that is absent or had the wrong type is `None`.
#[derive(Debug, Default)]
pub(crate) struct RawSettings {
    pub(crate) shell: Option<Spanned<Vec<Spanned<String>>>>,
    pub(crate) jobs: Option<Spanned<i64>>,
    pub(crate) dotenv: Vec<Spanned<String>>,
}

/// One entry of an `env` table, its value already turned into a string.
#[derive(Debug)]
pub(crate) struct RawEnvVar {
    pub(crate) name: Spanned<String>,
    pub(crate) value: String,
}

/// One task, from a `[tasks.NAME]` table or the short form `NAME = "command"`.
#[derive(Debug)]
pub(crate) struct RawTask {
    pub(crate) name: Spanned<String>,
    pub(crate) description: Option<String>,
    pub(crate) run: Vec<Spanned<RawCommand>>,
    pub(crate) depends: Vec<Spanned<String>>,
    pub(crate) depends_post: Vec<Spanned<String>>,
    pub(crate) env: Vec<RawEnvVar>,
    pub(crate) dir: Option<String>,
    pub(crate) alias: Vec<Spanned<String>>,
    pub(crate) hide: bool,
    pub(crate) timeout: Option<Spanned<String>>,
    /// `None` when `params` could not be read at all, so that checks depending on the full
    /// list of parameters (placeholders in commands) do not pile up follow-on errors.
    pub(crate) params: Option<Vec<RawParam>>,
    pub(crate) sources: Vec<Spanned<String>>,
    pub(crate) outputs: Vec<Spanned<String>>,
}

/// One parameter table inside a task's `params`.
#[derive(Debug)]
pub(crate) struct RawParam {
    /// The whole parameter table, for problems that have no better place to point at.
    pub(crate) span: Span,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) default: Option<Spanned<String>>,
    pub(crate) help: Option<String>,
    pub(crate) required: Option<Spanned<bool>>,
    pub(crate) flag: Option<Spanned<bool>>,
}

/// One command of `run`, as written.
#[derive(Debug)]
pub(crate) enum RawCommand {
    /// `"cargo build"`.
    Shell(String),
    /// `["cargo", "build"]`, each word with its span.
    Argv(Vec<Spanned<String>>),
}

const TOP_KEYS: &[&str] = &["settings", "env", "tasks"];
const SETTINGS_KEYS: &[&str] = &["shell", "jobs", "dotenv"];
const TASK_KEYS: &[&str] = &[
    "description",
    "run",
    "depends",
    "depends_post",
    "env",
    "dir",
    "alias",
    "hide",
    "timeout",
    "params",
    "sources",
    "outputs",
];
const PARAM_KEYS: &[&str] = &["name", "default", "help", "required", "flag"];

/// Reads the whole text, pushing every problem onto `problems`.
///
/// Returns `None` only for a TOML syntax error, which is then the one problem reported: past
/// it, the parser's recovery would only produce guesses.
pub(crate) fn read(text: &str, problems: &mut Vec<Diagnostic>) -> Option<RawFile> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(error) => {
            problems.push(syntax_error(&error, text.len()));
            return None;
        }
    };
    let mut fields = Fields::new(root.into_inner());
    let file = RawFile {
        settings: fields
            .table("settings", problems)
            .map(|settings| read_settings(settings, problems))
            .unwrap_or_default(),
        env: fields
            .table("env", problems)
            .map(|env| read_env(env, problems))
            .unwrap_or_default(),
        tasks: fields
            .table("tasks", problems)
            .map(|tasks| read_tasks(tasks, problems))
            .unwrap_or_default(),
    };
    fields.finish(TOP_KEYS, "at the top level", problems);
    Some(file)
}

fn syntax_error(error: &toml::de::Error, text_len: usize) -> Diagnostic {
    // toml's message is "headline\nexplanation"; the explanation reads well under the carets.
    let mut lines = error.message().trim_end().splitn(2, '\n');
    let headline = lines.next().unwrap_or("syntax error").trim();
    let label = lines.next().map_or("here", str::trim);
    let span = error.span().unwrap_or(text_len..text_len);
    Diagnostic::new(format!("invalid TOML: {headline}"), span, label)
}

fn read_settings(mut fields: Fields<'_>, problems: &mut Vec<Diagnostic>) -> RawSettings {
    let settings = RawSettings {
        shell: fields
            .take::<StringArray>("shell", problems)
            .map(|shell| Spanned::new(shell.span(), shell.into_inner().0)),
        jobs: fields
            .take::<Integer>("jobs", problems)
            .map(|jobs| Spanned::new(jobs.span(), jobs.into_inner().0)),
        dotenv: fields.list("dotenv", problems),
    };
    fields.finish(SETTINGS_KEYS, "in `[settings]`", problems);
    settings
}

/// An `env` table: every key is a variable name, so there are no unknown keys here.
fn read_env(fields: Fields<'_>, problems: &mut Vec<Diagnostic>) -> Vec<RawEnvVar> {
    fields
        .into_entries()
        .filter_map(|(name, value)| {
            let value = deserialize::<EnvValue>(value, problems)?;
            Some(RawEnvVar {
                name: Spanned::new(name.span(), name.into_inner().into_owned()),
                value: value.into_inner().0,
            })
        })
        .collect()
}

fn read_tasks(fields: Fields<'_>, problems: &mut Vec<Diagnostic>) -> Vec<RawTask> {
    fields
        .into_entries()
        .filter_map(|(name, value)| {
            let name = Spanned::new(name.span(), name.into_inner().into_owned());
            read_task(name, value, problems)
        })
        .collect()
}

fn read_task(
    name: Spanned<String>,
    value: Spanned<DeValue<'_>>,
    problems: &mut Vec<Diagnostic>,
) -> Option<RawTask> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Table(table) => Some(read_task_table(name, Fields::new(table), problems)),
        // The short form `lint = "cargo clippy"` is a task that only has `run`.
        short @ (DeValue::String(_) | DeValue::Array(_)) => {
            let run = deserialize::<RunSpec>(Spanned::new(span, short), problems)?;
            Some(RawTask::short(name, run_commands(run)))
        }
        other => {
            problems.push(wrong_type(
                &other,
                span,
                "a task table, a command string or an array of commands",
            ));
            None
        }
    }
}

fn read_task_table(
    name: Spanned<String>,
    mut fields: Fields<'_>,
    problems: &mut Vec<Diagnostic>,
) -> RawTask {
    let context = format!("in task `{}`", name.get_ref());
    let task = RawTask {
        description: fields.string("description", problems),
        run: fields
            .take::<RunSpec>("run", problems)
            .map(run_commands)
            .unwrap_or_default(),
        depends: fields.list("depends", problems),
        depends_post: fields.list("depends_post", problems),
        env: fields
            .table("env", problems)
            .map(|env| read_env(env, problems))
            .unwrap_or_default(),
        dir: fields.string("dir", problems),
        alias: fields.list("alias", problems),
        hide: fields
            .take::<bool>("hide", problems)
            .is_some_and(Spanned::into_inner),
        timeout: fields.take::<String>("timeout", problems),
        params: fields.params(name.get_ref(), problems),
        sources: fields.list("sources", problems),
        outputs: fields.list("outputs", problems),
        name,
    };
    fields.finish(TASK_KEYS, &context, problems);
    task
}

impl RawTask {
    fn short(name: Spanned<String>, run: Vec<Spanned<RawCommand>>) -> Self {
        RawTask {
            name,
            description: None,
            run,
            depends: Vec::new(),
            depends_post: Vec::new(),
            env: Vec::new(),
            dir: None,
            alias: Vec::new(),
            hide: false,
            timeout: None,
            params: Some(Vec::new()),
            sources: Vec::new(),
            outputs: Vec::new(),
        }
    }
}

/// `params`: an array of tables, either inline or as `[[tasks.NAME.params]]`.
fn read_params(
    task: &str,
    value: Spanned<DeValue<'_>>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<RawParam>> {
    let span = value.span();
    let items = match value.into_inner() {
        DeValue::Array(items) => items,
        other => {
            let expected = "an array of parameter tables like [{ name = \"who\" }]";
            problems.push(wrong_type(&other, span, expected));
            return None;
        }
    };
    let mut params = Vec::new();
    for item in items {
        let span = item.span();
        match item.into_inner() {
            DeValue::Table(table) => params.push(read_param(task, span, table, problems)),
            other => problems.push(wrong_type(
                &other,
                span,
                "a parameter table like { name = \"who\" }",
            )),
        }
    }
    Some(params)
}

fn read_param(
    task: &str,
    span: Span,
    table: DeTable<'_>,
    problems: &mut Vec<Diagnostic>,
) -> RawParam {
    let mut fields = Fields::new(table);
    let param = RawParam {
        span,
        name: fields.take::<String>("name", problems),
        default: fields.take::<String>("default", problems),
        help: fields.string("help", problems),
        required: fields.take::<bool>("required", problems),
        flag: fields.take::<bool>("flag", problems),
    };
    let context = match &param.name {
        Some(name) => format!("in parameter `{}` of task `{task}`", name.get_ref()),
        None => format!("in a parameter of task `{task}`"),
    };
    fields.finish(PARAM_KEYS, &context, problems);
    param
}

/// The entries of one table, taken out key by key; whatever is left at the end is unknown.
struct Fields<'i> {
    table: DeTable<'i>,
}

impl<'i> Fields<'i> {
    fn new(table: DeTable<'i>) -> Self {
        Fields { table }
    }

    /// Removes `key` and deserializes its value; a wrong type becomes a problem and `None`.
    fn take<T: DeserializeOwned>(
        &mut self,
        key: &str,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<T>> {
        let value = self.table.remove(key)?;
        deserialize(value, problems)
    }

    fn string(&mut self, key: &str, problems: &mut Vec<Diagnostic>) -> Option<String> {
        self.take::<String>(key, problems).map(Spanned::into_inner)
    }

    /// A key that takes a string or an array of strings, as a list of spanned strings.
    fn list(&mut self, key: &str, problems: &mut Vec<Diagnostic>) -> Vec<Spanned<String>> {
        let Some(list) = self.take::<StringList>(key, problems) else {
            return Vec::new();
        };
        let span = list.span();
        match list.into_inner() {
            StringList::One(item) => vec![Spanned::new(span, item)],
            StringList::Many(items) => items,
        }
    }

    /// Removes `key`, which must hold a table.
    fn table(&mut self, key: &str, problems: &mut Vec<Diagnostic>) -> Option<Fields<'i>> {
        let value = self.table.remove(key)?;
        let span = value.span();
        match value.into_inner() {
            DeValue::Table(table) => Some(Fields::new(table)),
            other => {
                problems.push(wrong_type(&other, span, "a table"));
                None
            }
        }
    }

    fn params(&mut self, task: &str, problems: &mut Vec<Diagnostic>) -> Option<Vec<RawParam>> {
        match self.table.remove("params") {
            Some(value) => read_params(task, value, problems),
            None => Some(Vec::new()),
        }
    }

    /// The remaining entries in file order (toml's map is sorted by key, not by position).
    fn into_entries(self) -> impl Iterator<Item = (Spanned<DeString<'i>>, Spanned<DeValue<'i>>)> {
        let mut entries: Vec<_> = self.table.into_iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        entries.into_iter()
    }

    /// Reports every key not taken as unknown, suggesting the closest of `known`.
    fn finish(self, known: &[&str], context: &str, problems: &mut Vec<Diagnostic>) {
        for (key, _) in self.into_entries() {
            let key_name = key.get_ref().as_ref();
            problems.push(
                Diagnostic::new(
                    format!("unknown key `{key_name}` {context}"),
                    key.span(),
                    "unknown key",
                )
                .with_suggestion(suggest(key_name, known.iter().copied())),
            );
        }
    }
}

/// Deserializes one spanned value; on failure, pushes the problem and returns `None`.
fn deserialize<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Spanned<T>> {
    let span = value.span();
    match Spanned::<T>::deserialize(ValueDeserializer::from(value)) {
        Ok(value) => Some(value),
        Err(error) => {
            problems.push(value_error(&error, span));
            None
        }
    }
}

fn value_error(error: &toml::de::Error, fallback: Span) -> Diagnostic {
    let message = toml_words(error.message().trim_end());
    let label = if message.starts_with("invalid type") {
        "wrong type"
    } else {
        "invalid value"
    };
    Diagnostic::new(message, error.span().unwrap_or(fallback), label)
}

/// serde speaks of maps and sequences; a TOML user knows tables and arrays.
fn toml_words(message: &str) -> String {
    message
        .replace("invalid type: map,", "invalid type: table,")
        .replace("invalid type: sequence,", "invalid type: array,")
}

/// The same wording as serde's invalid-type errors, for values checked by hand.
fn wrong_type(found: &DeValue<'_>, span: Span, expected: &str) -> Diagnostic {
    let found = match found {
        DeValue::Table(_) => "table",
        DeValue::Array(_) => "array",
        other => other.type_str(),
    };
    Diagnostic::new(
        format!("invalid type: {found}, expected {expected}"),
        span,
        "wrong type",
    )
}

fn run_commands(run: Spanned<RunSpec>) -> Vec<Spanned<RawCommand>> {
    let span = run.span();
    match run.into_inner() {
        RunSpec::One(command) => vec![Spanned::new(span, RawCommand::Shell(command))],
        RunSpec::Many(commands) => commands,
    }
}

/// `run`: `"cmd"`, `["cmd", …]`, `[["prog", "arg"]]`, or a mix of the last two.
enum RunSpec {
    One(String),
    Many(Vec<Spanned<RawCommand>>),
}

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
        Ok(RunSpec::One(command.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RunSpec, A::Error> {
        let mut commands = Vec::new();
        while let Some(command) = seq.next_element::<Spanned<RawCommand>>()? {
            commands.push(command);
        }
        Ok(RunSpec::Many(commands))
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
        formatter.write_str("a command string or an argv array like [\"cargo\", \"build\"]")
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
enum StringList {
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
struct StringArray(Vec<Spanned<String>>);

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
struct Integer(i64);

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
struct EnvValue(String);

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
