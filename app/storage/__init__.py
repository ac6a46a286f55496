"""Durable state: SQLAlchemy models, the engine and files under DATA_DIR."""
