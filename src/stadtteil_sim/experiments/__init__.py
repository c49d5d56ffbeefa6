"""Many runs: experiment files (design), parameter samples, executors (serial, process pool,
Dask), the results store, batches, paired analysis, reports, run folders and the rules for what a
command may write (atomic writes, folder ownership). Imports ``config`` and ``model``."""
