"""The audit event store: partitioned Parquet written by ``kubeward audit ingest``, queried with DuckDB."""
