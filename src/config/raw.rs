//! serde structs mirroring the TOML as written.
