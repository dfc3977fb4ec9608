//! All integration tests, in one binary (each test binary links Polars again).

mod audit;
mod bad_input;
mod cli;
mod common;
mod corpus_target;
mod dialect;
mod flight;
mod gen;
mod golden;
mod malformed;
mod modes;
mod mutation;
mod outputs;
mod repl;
mod robustness;
mod scripts;
mod slt;
mod sqldiff;
mod statements;
mod warehouse;
