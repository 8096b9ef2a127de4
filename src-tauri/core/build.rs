// `sqlx::migrate!` embeds the migration files at compile time: a new or changed file must
// rebuild the crate (sqlx's documented advice).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
