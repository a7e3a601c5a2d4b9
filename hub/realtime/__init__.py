"""Real-time delivery: the broker between processes, per-stream fan-out, the /ws endpoint."""
