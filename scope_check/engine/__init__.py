"""Running checks: one file through every selected check (`runner`), each file in a forked,
limited worker (`isolation`), repeated findings grouped (`grouping`) and findings fitted to what
the paper is (`fitting`). The only place that turns the model's errors into FILE codes."""
