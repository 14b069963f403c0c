"""System tests: the deployed processes, started from the project's own files, over HTTP."""
