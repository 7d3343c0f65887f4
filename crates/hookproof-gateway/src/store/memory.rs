//! The in-memory store: one core [`AcceptanceGuard`] per route, for ONE gateway process (the
//! gateway warns at start-up). Bounded by its capacity: when full of live ids it answers
//! `store_full` (503, retried), never a duplicate.

use std::sync::Mutex;

use hookproof::acceptance::{Abort, Begin, Commit};
use hookproof::{AcceptanceConfig, AcceptanceError, AcceptanceGuard};

use super::Accept;

/// One guard per route.
#[derive(Debug)]
pub struct MemoryAcceptance {
    guards: Vec<Mutex<AcceptanceGuard>>,
}

impl MemoryAcceptance {
    /// Guards for `routes` routes, `capacity` ids each.
    pub fn new(
        routes: usize,
        config: AcceptanceConfig,
        capacity: usize,
    ) -> Result<MemoryAcceptance, AcceptanceError> {
        let guards = (0..routes)
            .map(|_| AcceptanceGuard::in_memory(config, capacity).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MemoryAcceptance { guards })
    }

    fn with<T>(
        &self,
        route: usize,
        f: impl FnOnce(&mut AcceptanceGuard) -> Result<T, AcceptanceError>,
    ) -> Result<T, AcceptanceError> {
        let guard = self
            .guards
            .get(route)
            .ok_or(AcceptanceError::StoreUnavailable)?;
        // A poisoned lock means a panic mid-operation elsewhere; the guard applies each
        // operation as one compare-and-swap, so its state is still sound.
        let mut guard = guard.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

impl Accept for MemoryAcceptance {
    async fn begin(&self, route: usize, id: &str, now: i64) -> Result<Begin, AcceptanceError> {
        self.with(route, |g| g.begin(id, now))
    }

    async fn commit(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Commit, AcceptanceError> {
        self.with(route, |g| g.commit(id, token, now))
    }

    async fn abort(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Abort, AcceptanceError> {
        self.with(route, |g| g.abort(id, token, now))
    }

    async fn ready(&self) -> bool {
        true
    }
}
