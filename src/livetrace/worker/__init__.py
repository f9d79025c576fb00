"""Long-running loops that call feature services (subscription delivery, …)."""
