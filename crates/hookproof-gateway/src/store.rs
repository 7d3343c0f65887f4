//! Where acceptance state lives: the core's two-phase machine (`begin` → deliver → `commit` |
//! `abort`) applied by a store, per route (each route is its own scope: Svix reuses a message
//! id on every endpoint it fans out to, and each route must deliver its copy).
//!
//! Today: [`Store::Memory`], one core [`AcceptanceGuard`] per route, for one process. A shared
//! store (Redis, with the core's scripts and key layout) is one more variant with the same
//! three async calls; nothing above this module changes.

use std::sync::Mutex;

use hookproof::acceptance::{Abort, Begin, Commit};
use hookproof::{AcceptanceConfig, AcceptanceError, AcceptanceGuard};

/// An acceptance store for every route of one gateway.
#[derive(Debug)]
pub enum Store {
    /// In memory, one guard per route: one process only, forgotten on restart.
    Memory(Vec<Mutex<AcceptanceGuard>>),
}

impl Store {
    /// In-memory guards for `routes` routes, `capacity` ids each.
    pub fn memory(
        routes: usize,
        config: AcceptanceConfig,
        capacity: usize,
    ) -> Result<Store, AcceptanceError> {
        let guards = (0..routes)
            .map(|_| AcceptanceGuard::in_memory(config, capacity).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Store::Memory(guards))
    }

    fn with<T>(
        &self,
        route: usize,
        f: impl FnOnce(&mut AcceptanceGuard) -> Result<T, AcceptanceError>,
    ) -> Result<T, AcceptanceError> {
        match self {
            Store::Memory(guards) => {
                let guard = guards.get(route).ok_or(AcceptanceError::StoreUnavailable)?;
                // A poisoned lock means a panic mid-operation elsewhere; the guard applies each
                // operation as one compare-and-swap, so its state is still sound.
                let mut guard = guard.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut guard)
            }
        }
    }

    /// Starts accepting `id` on `route` at `now` (Unix seconds).
    pub async fn begin(&self, route: usize, id: &str, now: i64) -> Result<Begin, AcceptanceError> {
        self.with(route, |g| g.begin(id, now))
    }

    /// The delivery holding `token` delivered its event.
    pub async fn commit(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Commit, AcceptanceError> {
        self.with(route, |g| g.commit(id, token, now))
    }

    /// The delivery holding `token` could not deliver its event.
    pub async fn abort(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Abort, AcceptanceError> {
        self.with(route, |g| g.abort(id, token, now))
    }

    /// Whether the store can answer (`/readyz`).
    pub async fn ready(&self) -> bool {
        match self {
            Store::Memory(_) => true,
        }
    }
}
