//! The checked-in code of `ocpp-types` is exactly what the generator writes from the schemas.

#[test]
fn generated_code_is_fresh() {
    let root = xtask::workspace_root();
    if let Err(error) = xtask::codegen::check(&root) {
        panic!("{error}");
    }
}
