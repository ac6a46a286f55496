"""Async use cases: one module per noun. Services own transactions and raise AppError."""
