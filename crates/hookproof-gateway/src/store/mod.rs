//! Where acceptance state lives: the core's two-phase machine (`begin` → deliver → `commit` |
//! `abort`) applied by a store, per route (each route is its own scope: Svix reuses a message
//! id on every endpoint it fans out to, and each route must deliver its copy).
//!
//! One trait, [`Accept`]; one file per store; one enum of kinds, [`Store`] — the same shape as
//! the sinks: [`memory::MemoryAcceptance`], for one process, and [`redis::RedisAcceptance`],
//! shared by every process on one Redis (the core's scripts and key layout, the route's scope
//! in the key).

use std::future::Future;

use hookproof::acceptance::{Abort, Begin, Commit};
use hookproof::{AcceptanceConfig, AcceptanceError};

pub mod memory;
pub mod redis;

/// An acceptance store for every route of one gateway. Times are Unix seconds; each call is
/// bounded by the caller (the machine's `wait_ms`).
pub trait Accept {
    /// Starts accepting `id` on `route`.
    fn begin(
        &self,
        route: usize,
        id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Begin, AcceptanceError>> + Send;

    /// The delivery holding `token` delivered its event.
    fn commit(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> impl Future<Output = Result<Commit, AcceptanceError>> + Send;

    /// The delivery holding `token` could not deliver its event.
    fn abort(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> impl Future<Output = Result<Abort, AcceptanceError>> + Send;

    /// Whether the store can answer (`/readyz`).
    fn ready(&self) -> impl Future<Output = bool> + Send;
}

/// Every kind of store.
#[derive(Debug)]
pub enum Store {
    /// In memory: one process only, forgotten on restart.
    Memory(memory::MemoryAcceptance),
    /// On Redis: shared by every gateway process and `hookproof/redis` consumer.
    Redis(redis::RedisAcceptance),
}

impl Store {
    /// In-memory guards for `routes` routes, `capacity` ids each.
    pub fn memory(
        routes: usize,
        config: AcceptanceConfig,
        capacity: usize,
    ) -> Result<Store, AcceptanceError> {
        memory::MemoryAcceptance::new(routes, config, capacity).map(Store::Memory)
    }
}

impl Accept for Store {
    async fn begin(&self, route: usize, id: &str, now: i64) -> Result<Begin, AcceptanceError> {
        match self {
            Store::Memory(s) => s.begin(route, id, now).await,
            Store::Redis(s) => s.begin(route, id, now).await,
        }
    }

    async fn commit(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Commit, AcceptanceError> {
        match self {
            Store::Memory(s) => s.commit(route, id, token, now).await,
            Store::Redis(s) => s.commit(route, id, token, now).await,
        }
    }

    async fn abort(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Abort, AcceptanceError> {
        match self {
            Store::Memory(s) => s.abort(route, id, token, now).await,
            Store::Redis(s) => s.abort(route, id, token, now).await,
        }
    }

    async fn ready(&self) -> bool {
        match self {
            Store::Memory(s) => s.ready().await,
            Store::Redis(s) => s.ready().await,
        }
    }
}
