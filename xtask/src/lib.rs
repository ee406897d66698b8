//! Project automation for the workspace: the Harbor client generator (`cargo xtask codegen`).

pub mod codegen;
