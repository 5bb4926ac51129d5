//! End-to-end tests: each drives the real `rask` binary on a temporary project through the
//! [`common::Test`] builder. One test binary, a module per topic (as casey/just does), so the
//! suite links once.

mod common;

mod cache;
mod cache_replay;
mod calls;
mod cli;
mod conditions;
mod confirm;
mod env;
mod errors;
mod examples;
mod exit_codes;
mod github;
mod include_modes;
mod includes;
mod limits;
mod list;
mod memo;
mod optional_words;
mod ordering;
mod orphans;
mod output;
mod parallel;
mod params;
mod partition;
mod platforms;
mod progress;
mod reports;
mod retries;
mod script_dirs;
mod scripts;
mod signals;
mod soft_order;
mod typed_params;
mod up_to_date;
mod vars;
mod watch;
