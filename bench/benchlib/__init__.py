"""The benchmarks behind bench/run.py: one module per benchmark of issue 6
(overhead, startup, transfers, makespan, cpu, growth), plus the harness,
the contenders, generated scripts, profiles and the report."""
