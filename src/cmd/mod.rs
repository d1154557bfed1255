pub mod cache;
pub mod classify;
pub mod dataset;
pub mod device;
pub mod evaluate;
pub mod features;
pub mod source;
pub mod train;
