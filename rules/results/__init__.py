"""DPL5xx: what the session's calls return, and how the code uses it (streams, chunks, results);
and calls and attributes the SDK does not have (DPL589-590, counted down from the end of the
family). The analysis is `dify_lint.analysis.results`; each rule words one kind of its facts."""
