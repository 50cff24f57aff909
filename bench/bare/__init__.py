"""The bare Django reference app of `bench/bench_http.py`: one model shaped like Goodwill's
customer row, plain views, no auth. It is the floor Goodwill's requests are measured against."""
