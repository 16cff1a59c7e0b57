def hello():
    return "egg"
