HELPER = True
