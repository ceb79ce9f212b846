"""Throughput of djwechat's hot paths next to what users would otherwise pick, through gunicorn.

``python -m bench.httpbench`` (``make bench-http``) serves one Django site (``bench.site``) on
PostgreSQL + Redis under gunicorn, in two configurations (2 sync workers; 2 gthread workers x 4
threads), checks that every contender answers correctly and refuses bad signatures, then drives
each contender with ``wrk`` in interleaved rounds and reports medians of per-round ratios to the
bare view.  ``--smoke`` does the same in seconds (no figure is meaningful), ``profile`` samples
the workers with py-spy under load.  See docs/benchmarks.md.
"""
