//! Loads `dist/hookproof.component.wasm` (built by `make component`) into Wasmtime through
//! bindings generated from `wit/`. The component imports nothing, so the linker is empty.

use std::path::Path;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

wasmtime::component::bindgen!({
    world: "webhooks",
    path: "../../wit",
});

/// A store with an instantiated component.
pub struct Loaded {
    pub store: Store<()>,
    pub webhooks: Webhooks,
}

/// Compiles and instantiates the component at `path`, with no imports provided.
pub fn load(path: &Path) -> wasmtime::Result<Loaded> {
    let engine = Engine::new(&Config::new())?;
    let component = Component::from_file(&engine, path)?;
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let webhooks = Webhooks::instantiate(&mut store, &component, &linker)?;
    Ok(Loaded { store, webhooks })
}
