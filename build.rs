//! Rebuilds the crate when a migration is added, because `sqlx::migrate!`
//! embeds the files it finds but does not watch their folders.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
