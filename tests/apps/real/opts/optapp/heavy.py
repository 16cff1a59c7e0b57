def weight():
    return "a module that --exclude-module leaves out"
