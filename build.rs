fn main() {
    // docs/performance.md, "Session 18": a position-dependent executable needs none of the
    // 15,000 relative relocations (and the copy-on-write faults they cost) that a PIE applies at
    // every start. `rustc-link-arg-bins` reaches only the binary: not proc-macros, not tests.
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
