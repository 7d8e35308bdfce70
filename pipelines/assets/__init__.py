"""Assets, one module per group of the data flow (extract -> stage -> match -> unify ->
dormancy -> publish)."""
