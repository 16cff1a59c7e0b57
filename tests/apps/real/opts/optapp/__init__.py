"""An app run with `pybundle -m optapp`: each option of the packer shows in its output."""
VERSION = "0.4"
