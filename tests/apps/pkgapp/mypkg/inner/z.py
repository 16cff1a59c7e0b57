NAME = "z-module"
