//! pybundle: turns a Python application into one self-contained executable.
