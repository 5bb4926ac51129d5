//! What a planned command or check executes: [`Program`], and the argv it becomes when it is
//! spawned.
//!
//! A shell line is kept as its text alone until then. Planning a 10,000-task file for a dry
//! run would otherwise split every command and condition into words, or copy it behind the
//! shell's, only to print the text (a tenth of the instructions of `rask -n` on such a file,
//! measured in session 16); a real run splits each line once, when it starts, into words
//! borrowed from the line.

/// How a planned command runs; its text (`display`) is beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Program {
    /// The text is a line for `settings.shell`: exec'd directly when it needs nothing from a
    /// shell (see [`shell_argv`]).
    ShellLine,
    /// These words, program first: an argv command, or a script's interpreter and its
    /// arguments (the script file's path follows), or nothing for a task call.
    Words(Vec<String>),
}

impl Program {
    /// The argv of the command whose text is `line`, for a plan whose shell is `shell`.
    pub(crate) fn argv<'a>(&'a self, line: &'a str, shell: &'a [String]) -> Vec<&'a str> {
        match self {
            Program::ShellLine => shell_argv(shell, line),
            Program::Words(words) => words.iter().map(String::as_str).collect(),
        }
    }
}

/// The argv for a shell command line. Like make, a line with no shell syntax whose first word
/// is no shell builtin is exec'd directly: the same result, without a shell's start-up
/// (about 0.7 ms a command, which is most of a task runner's overhead on small tasks).
pub(crate) fn shell_argv<'a>(shell: &'a [String], line: &'a str) -> Vec<&'a str> {
    if is_posix_shell(shell) {
        if let Some(words) = simple_command(line) {
            return words;
        }
    }
    let mut argv = Vec::with_capacity(shell.len() + 1);
    argv.extend(shell.iter().map(String::as_str));
    argv.push(line);
    argv
}

fn is_posix_shell(shell: &[String]) -> bool {
    let program = shell.first().map(String::as_str).unwrap_or_default();
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "sh" | "bash" | "dash" | "zsh" | "ksh")
        && shell.last().is_some_and(|flag| flag == "-c")
}

/// The words of `line` if running it needs nothing from a shell.
fn simple_command(line: &str) -> Option<Vec<&str>> {
    // Planning a large file asks this of every command and condition: one table lookup a byte,
    // and the builtin check on the first word before any word is collected.
    if line.bytes().any(|byte| SHELL_SYNTAX[usize::from(byte)]) {
        return None;
    }
    // Split where the shell's default IFS splits (space, tab; newline is syntax above).
    let mut words = line.split([' ', '\t']).filter(|word| !word.is_empty());
    let program = words.next()?;
    // `NAME=value cmd` is an assignment only a shell understands.
    if is_shell_word(program) || program.contains('=') {
        return None;
    }
    let mut argv = Vec::with_capacity(4);
    argv.push(program);
    argv.extend(words);
    Some(argv)
}

/// The bytes that make a line need a shell: quoting, expansion, redirection, control flow.
const SHELL_SYNTAX: [bool; 256] = {
    let mut table = [false; 256];
    let syntax = b"#;\"'*?[]&|<>(){}$`\\~!\n^";
    let mut at = 0;
    while at < syntax.len() {
        table[syntax[at] as usize] = true;
        at += 1;
    }
    table
};

/// Builtins and keywords behave differently (or only exist) inside a shell.
fn is_shell_word(word: &str) -> bool {
    matches!(
        word,
        "." | ":"
            | "alias"
            | "bg"
            | "break"
            | "case"
            | "cd"
            | "command"
            | "continue"
            | "do"
            | "done"
            | "echo"
            | "elif"
            | "else"
            | "esac"
            | "eval"
            | "exec"
            | "exit"
            | "export"
            | "fc"
            | "fg"
            | "fi"
            | "for"
            | "function"
            | "getopts"
            | "hash"
            | "if"
            | "jobs"
            | "kill"
            | "local"
            | "printf"
            | "pwd"
            | "read"
            | "readonly"
            | "return"
            | "select"
            | "set"
            | "shift"
            | "source"
            | "test"
            | "then"
            | "time"
            | "times"
            | "trap"
            | "type"
            | "typeset"
            | "ulimit"
            | "umask"
            | "unalias"
            | "unset"
            | "until"
            | "wait"
            | "while"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> Vec<String> {
        vec!["sh".into(), "-c".into()]
    }

    #[test]
    fn simple_lines_are_exec_directly() {
        assert_eq!(shell_argv(&sh(), "/usr/bin/true"), ["/usr/bin/true"]);
        assert_eq!(
            shell_argv(&sh(), "cargo  build --release"),
            ["cargo", "build", "--release"]
        );
        // Only space and tab split words, as the shell's default IFS does.
        assert_eq!(shell_argv(&sh(), "run\ta\u{a0}b\r"), ["run", "a\u{a0}b\r"]);
    }

    #[test]
    fn shell_syntax_and_builtins_go_through_the_shell() {
        for line in [
            "echo hi",
            "a && b",
            "FOO=1 env",
            "ls *.rs",
            "cd sub",
            "exit 3",
            "x 'y z'",
        ] {
            assert_eq!(shell_argv(&sh(), line), ["sh", "-c", line], "{line}");
        }
    }

    #[test]
    fn a_non_posix_shell_always_gets_the_line() {
        let python = vec!["python3".to_owned(), "-c".to_owned()];
        assert_eq!(shell_argv(&python, "print"), ["python3", "-c", "print"]);
    }
}
