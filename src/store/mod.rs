//! Storage over sqlx, on SQLite and PostgreSQL.
