"""The benchmark (BENCH.md): ``python -m bench --tickets N [--database-url postgres://…]``; see BENCHMARKS.md."""
