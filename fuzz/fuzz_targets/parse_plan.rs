//! Any bytes as `tasks.toml`: parsing, validating, planning every task and rendering the
//! errors must neither panic nor leave a rejection without a location. Every crash found
//! becomes a regression test (`issue_8_…`) or a case in `src/hostile_input_tests.rs`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // rask reads tasks.toml as UTF-8 and refuses anything else before parsing.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rask::bench_support::answer(text);
    }
});
