//! Rebuilds starmon when the dashboard is rebuilt: `web/dist` is embedded at compile time
//! (src/web.rs), and cargo does not track a folder that a macro reads on its own.

use std::path::Path;

fn main() {
    let dist = Path::new("../../web/dist");
    if dist.exists() {
        println!("cargo:rerun-if-changed=../../web/dist");
    } else if Path::new("../../web").exists() {
        // The folder appears when the dashboard is first built.
        println!("cargo:rerun-if-changed=../../web");
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
