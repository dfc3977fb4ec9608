//! All integration tests, in one binary (each test binary links Polars again).

mod audit;
mod bad_input;
mod cli;
mod common;
mod corpus;
mod dialect;
mod flight;
mod gen;
mod golden;
mod malformed;
mod modes;
mod outputs;
mod pdf;
mod repl;
mod robustness;
mod scripts;
mod slt;
mod sqldiff;
mod statements;
mod variation;
mod warehouse;
