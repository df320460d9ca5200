//! Analyzers: turn a transcript into insights.

pub mod heuristic;

pub use heuristic::HeuristicAnalyzer;
