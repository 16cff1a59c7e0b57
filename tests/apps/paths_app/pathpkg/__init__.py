"""A package, so that its __file__ can be checked."""
