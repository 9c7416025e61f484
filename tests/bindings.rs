use crate::{TestResult, repo_root};
use gigafund::bindings::{BINDINGS_PATH, typescript};

/// The UI compiles against ui/src/lib/bindings.ts; it must declare exactly what the Rust
/// types serialise. Run `UPDATE_BINDINGS=1 cargo test bindings` after changing a type.
#[test]
fn committed_typescript_bindings_match_the_rust_types() -> TestResult {
    let path = repo_root().join(BINDINGS_PATH);
    let generated = typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated)?;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{BINDINGS_PATH} is stale: run `UPDATE_BINDINGS=1 cargo test bindings` and commit it"
    );
    assert!(
        generated.contains("export type BidRow = {"),
        "BidRow is declared"
    );
    assert!(
        generated.contains("export type ErrorPayload = {"),
        "the error payload is declared"
    );
    Ok(())
}
