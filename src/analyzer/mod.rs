//! Analyzers: turn a transcript into insights.
