pub mod dataset;
pub mod features;
pub mod source;
