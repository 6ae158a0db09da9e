//! The reproduce window's collection: the before/after snapshots, the path-manager events watched in
//! every namespace, and the throughput sampler. The window's record is data in `report::window`.

pub mod sample_round;
pub mod sampler;
pub mod snapshot;
pub mod watch;
