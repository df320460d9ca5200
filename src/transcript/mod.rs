//! Transcript formats and their import into the normalized model.
