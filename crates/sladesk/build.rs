//! Rebuilds the binary when a migration is added: `sqlx::migrate!` embeds the folders at
//! compile time, and Cargo does not watch a folder for new files by itself.
fn main() {
    println!("cargo:rerun-if-changed=src/store/migrations/sqlite");
    println!("cargo:rerun-if-changed=src/store/migrations/postgres");
}
