//! What coordlint knows about libraries, as data: one module per domain, canonical paths
//! written one way (`std::thread::spawn`), entries that carry semantics (a lock's mode, a
//! spawner's unit, a channel's bounded replacement). Analyses and rules ask these tables;
//! they hold no API names of their own. [`Knowledge`] adds the user's extensions from the
//! configuration, so they reach every analysis.
//!
//! Adding a library is adding entries here, plus a fixture.

pub mod adaptors;
pub mod blocking;
pub mod bounds;
pub mod channels;
pub mod collections;
pub mod io;
pub mod locks;
pub mod macros;
pub mod sources;
pub mod spawners;
pub mod std_items;
pub mod test_code;
pub mod wrappers;

use crate::config::Config;
use spawners::Unit;

/// The built-in tables plus the user's extensions (`[workspace.metadata.coordlint]`).
#[derive(Clone, Debug, Default)]
pub struct Knowledge {
    /// Canonical paths of functions that start a task, or `Type::method`.
    extra_spawners: Vec<String>,
    /// Calls that bound concurrency when made once per iteration.
    extra_bound_calls: Vec<String>,
    /// Methods that make a round trip on any receiver.
    extra_io_methods: Vec<String>,
    /// Canonical paths of functions that make a round trip.
    extra_io_paths: Vec<String>,
    /// Canonical paths of functions that block, or `Type::method`.
    extra_blocking: Vec<String>,
}

impl Knowledge {
    pub fn from_config(config: &Config) -> Knowledge {
        Knowledge {
            extra_spawners: config
                .string_list("unbounded_spawn", "extra-spawners")
                .to_vec(),
            extra_bound_calls: config
                .string_list("unbounded_spawn", "bound-markers")
                .to_vec(),
            extra_io_methods: config.string_list("unbatched_io", "extra-methods").to_vec(),
            extra_io_paths: config.string_list("unbatched_io", "extra-paths").to_vec(),
            extra_blocking: config
                .string_list("blocking_under_lock", "extra-blocking")
                .to_vec(),
        }
    }

    /// The unit a called path starts, built in or declared by the user.
    pub fn spawn_function(&self, canonical: &str) -> Option<Unit> {
        spawners::spawn_function(canonical).or_else(|| {
            self.extra_spawners
                .iter()
                .any(|extra| extra == canonical)
                .then_some(Unit::Task)
        })
    }

    /// Whether a called path runs its closure argument on another thread or task.
    pub fn runs_closure_elsewhere(&self, canonical: &str) -> bool {
        spawners::runs_closure_elsewhere(canonical)
            || self.extra_spawners.iter().any(|extra| extra == canonical)
    }

    /// Whether `Type::method` was declared a spawner by the user.
    pub fn is_extra_spawn_method(&self, type_name: &str, method: &str) -> bool {
        self.extra_spawners.iter().any(|extra| {
            extra
                .strip_prefix(type_name)
                .and_then(|rest| rest.strip_prefix("::"))
                == Some(method)
        })
    }

    /// Calls that bound concurrency when made once per iteration.
    pub fn bound_calls(&self) -> Vec<&str> {
        bounds::bound_calls()
            .iter()
            .copied()
            .chain(self.extra_bound_calls.iter().map(String::as_str))
            .collect()
    }

    /// Calls that take a concurrency permit (a semaphore's `acquire*`, the user's bound
    /// markers), wherever they are made in spawned work.
    pub fn permit_calls(&self) -> Vec<&str> {
        let mut calls: Vec<&str> = bounds::permit_calls().collect();
        calls.extend(self.extra_bound_calls.iter().map(String::as_str));
        calls
    }

    pub fn is_extra_io_method(&self, method: &str) -> bool {
        self.extra_io_methods.iter().any(|extra| extra == method)
    }

    pub fn is_extra_io_path(&self, canonical: &str) -> bool {
        self.extra_io_paths.iter().any(|extra| extra == canonical)
    }

    /// What a called path blocks on, built in or declared by the user.
    pub fn blocking_function(&self, canonical: &str) -> Option<blocking::BlockingKind> {
        blocking::blocking_function(canonical).or_else(|| {
            self.extra_blocking
                .iter()
                .any(|extra| extra == canonical)
                .then_some(blocking::BlockingKind::Custom)
        })
    }

    /// Whether `Type::method` was declared blocking by the user (`type_name` is the last
    /// segment of the receiver's type).
    pub fn is_extra_blocking_method(&self, type_name: &str, method: &str) -> bool {
        self.extra_blocking.iter().any(|extra| {
            extra
                .strip_prefix(type_name)
                .and_then(|rest| rest.strip_prefix("::"))
                == Some(method)
        })
    }

    /// Whether a method call may block, by name: the guard walk records these.
    pub fn may_block_by_name(&self, method: &str) -> bool {
        blocking::is_blocking_method_name(method)
            || self
                .extra_blocking
                .iter()
                .any(|extra| crate::paths::last_segment(extra) == method)
    }
}
