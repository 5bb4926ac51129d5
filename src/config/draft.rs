//! What a table has become while its keys are being read: the model value, filled in key by
//! key, plus what the checks spanning several keys need afterwards. The main type here is
//! [`TaskDraft`].

use std::ops::Range;

use toml::Spanned;

use super::values::RawCommand;
use super::{RunStep, Settings, Task, Var};

/// The top level of one file.
#[derive(Debug, Default)]
pub(crate) struct FileDraft {
    pub(crate) settings: Settings,
    pub(crate) env: Vec<(String, super::EnvSetting)>,
    pub(crate) vars: Vec<Var>,
    /// In file order.
    pub(crate) tasks: Vec<TaskDraft>,
    /// Strings at the top level (`[env]` values) that may hold `{{ name }}` of a var.
    pub(crate) templates: Vec<Template>,
    /// `[includes]`, in file order.
    pub(crate) includes: Vec<IncludeDraft>,
    /// Where `[settings]` is written, if it is: only the root file may have it.
    pub(crate) settings_range: Option<Range<usize>>,
}

/// One entry of `[includes]`: `web = "web/tasks.toml"` or `web = { path = …, optional, dir }`.
#[derive(Debug, Default)]
pub(crate) struct IncludeDraft {
    /// The namespace, with the span of the key.
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) path: Option<Spanned<String>>,
    pub(crate) optional: bool,
    pub(crate) dir: Option<String>,
    pub(crate) flatten: bool,
    pub(crate) aliases: Vec<super::NameRef>,
    /// The whole entry's value.
    pub(crate) range: Range<usize>,
}

/// One task being read: the model task, and the strings whose placeholders must be checked
/// once every key (`params` in particular) has been read.
#[derive(Debug, Default)]
pub(crate) struct TaskDraft {
    pub(crate) task: Task,
    /// Strings that may hold `{{ name }}`, with the span of the string as written.
    pub(crate) templates: Vec<Template>,
    /// `false` when `params` could not be read at all, so that checks depending on the full
    /// list of parameters (placeholders) do not pile up follow-on errors.
    pub(crate) params_unreadable: bool,
    /// `run_linux` and the like, for the OS rask runs on: replaces `run`.
    pub(crate) platform_run: Option<Vec<RunStep>>,
    /// Its table had a problem: what it declares may be incomplete (see [`Partial`]).
    ///
    /// [`Partial`]: super::Partial
    pub(crate) rejected: bool,
}

/// A string that may hold placeholders, and where it is written.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) text: String,
    pub(crate) range: Range<usize>,
}

impl Template {
    pub(crate) fn new(text: &str, range: Range<usize>) -> Self {
        Template {
            text: text.to_owned(),
            range,
        }
    }
}

impl TaskDraft {
    pub(crate) fn new(name: Spanned<String>, span: super::Span) -> Self {
        TaskDraft {
            task: Task {
                name: name.into_inner(),
                name_span: span,
                ..Task::default()
            },
            templates: Vec::new(),
            params_unreadable: false,
            platform_run: None,
            rejected: false,
        }
    }

    pub(crate) fn template(&mut self, text: &str, range: Range<usize>) {
        self.templates.push(Template::new(text, range));
    }

    /// Registers the argument values of task calls: they are substituted in this task's
    /// scope.
    pub(crate) fn template_calls(&mut self, calls: Vec<super::NameRef>) -> Vec<super::NameRef> {
        for call in &calls {
            self.template_call(call);
        }
        calls
    }

    pub(crate) fn template_call(&mut self, call: &super::NameRef) {
        for arg in &call.args {
            self.template(&arg.value, arg.span.range());
        }
    }

    /// Registers every string of a command of `run`.
    pub(crate) fn template_command(&mut self, command: &Spanned<RawCommand>) {
        match command.get_ref() {
            RawCommand::Shell(line) => self.template(line, command.span()),
            RawCommand::Argv(words) => {
                for word in words {
                    self.template(word.get_ref(), word.span());
                }
            }
        }
    }
}

/// One parameter table as written; validated into a `Param` once all its keys are read.
#[derive(Debug, Default)]
pub(crate) struct ParamDraft {
    /// The whole parameter table, for problems that have no better place to point at.
    pub(crate) range: Range<usize>,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) default: Option<Spanned<String>>,
    pub(crate) help: Option<String>,
    pub(crate) required: Option<Spanned<bool>>,
    pub(crate) flag: Option<Spanned<bool>>,
    pub(crate) variadic: Option<Spanned<bool>>,
    pub(crate) multiple: Option<Spanned<bool>>,
    pub(crate) choices: Option<Spanned<Vec<Spanned<String>>>>,
    pub(crate) value_type: Option<Spanned<String>>,
}

/// A var's table, `{ sh = "…" }` or `{ env = "NAME", default = "…" }`, as written.
#[derive(Debug, Default)]
pub(crate) struct ComputedDraft {
    pub(crate) sh: Option<Spanned<String>>,
    pub(crate) env: Option<Spanned<String>>,
    pub(crate) default: Option<Spanned<String>>,
}

/// An env value's table, `{ sh | default | unset | prepend | append = … }`, as written.
#[derive(Debug, Default)]
pub(crate) struct EnvDraft {
    /// Each form given, with its key's name, in order (more than one is an error).
    pub(crate) forms: Vec<(&'static str, super::EnvSetting)>,
}
