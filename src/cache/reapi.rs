//! The message types of the Bazel Remote Execution API v2 (`build.bazel.remote.execution.v2`):
//! [`Action`], [`Command`], [`Directory`], [`ActionResult`], [`Digest`] and their parts.
//!
//! Vendored, not hand-written: the file beside this one is the prost-generated code that the
//! `bazel-remote-apis` crate (0.30.0) ships, cut to the messages (its gRPC clients and servers
//! would bring tonic, hyper and tokio into every build) and with the well-known types pointed
//! at `prost-types`. Nothing needs `protoc`. Encoding these with prost gives REAPI's wire
//! format, so an action's digest here is the digest a remote cache would compute.

#![allow(
    dead_code,
    reason = "the full message set is vendored; rask fills only part of it"
)]

include!("reapi/build.bazel.remote.execution.v2.rs");
