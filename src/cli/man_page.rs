//! `docs/rask.1`, the man page, generated from the clap definition by clap_mangen; the test
//! here keeps it current (`RASK_UPDATE_MAN=1 cargo test man_page` rewrites it).

use std::path::Path;

#[test]
fn committed_man_page_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rask.1");
    let command = <super::Args as clap::CommandFactory>::command();
    let mut generated = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut generated)
        .expect("rendering into memory cannot fail");
    let generated = String::from_utf8(generated).expect("roff output is UTF-8");
    if std::env::var_os("RASK_UPDATE_MAN").is_some() {
        std::fs::write(&path, &generated).expect("docs/ is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rask.1 is stale: run `RASK_UPDATE_MAN=1 cargo test man_page`"
    );
}
